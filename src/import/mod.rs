pub mod docx;
