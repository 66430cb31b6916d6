//! ISO/IEC 27001:2022: the built-in catalogue of clauses and Annex A controls, and the document-control
//! metadata (owner, status, version, review dates, controls) read from frontmatter.

pub mod catalogue;
pub mod control;
