//! policybook: build a cross-linked ISO/IEC 27001 ISMS handbook from Markdown.
//!
//! The pipeline reads like the folders: [`load`] → [`resolve`] → [`render`] → [`site`], driven by
//! [`commands`]. Every stage reports problems as [`diagnostics::Diagnostic`] values.

pub mod cli;
pub mod commands;
pub mod config;
pub mod diagnostics;
pub mod git;
pub mod history;
pub mod isms;
pub mod load;
pub mod memory;
pub mod project;
pub mod render;
pub mod resolve;
pub mod serve;
pub mod site;
pub mod yaml;
