//! The site in memory, as `serve` has it: written through the same [`Sink`] as a build, so an
//! incremental update can be compared byte for byte with a full build.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::diagnostics::Fatal;
use crate::project::Project;
use crate::site::{self, Sink};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Entry {
    Bytes(Arc<[u8]>),
    /// A file copied as it is (an attachment): served from disk.
    File(PathBuf),
}

/// Site-relative path → contents.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct MemorySite {
    pub files: BTreeMap<String, Entry>,
}

#[derive(Default)]
struct Collect(Mutex<BTreeMap<String, Entry>>);

impl Collect {
    fn put(&self, rel: &str, entry: Entry) {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(rel.to_string(), entry);
    }
    fn into_files(self) -> BTreeMap<String, Entry> {
        self.0.into_inner().unwrap_or_else(|p| p.into_inner())
    }
}

impl Sink for Collect {
    fn write(&self, rel: &str, bytes: &[u8]) -> Result<(), Fatal> {
        self.put(rel, Entry::Bytes(bytes.into()));
        Ok(())
    }
    fn write_stream(&self, rel: &str, fill: &mut crate::site::Fill) -> Result<(), Fatal> {
        let mut bytes = Vec::new();
        fill(&mut bytes)?;
        self.put(rel, Entry::Bytes(bytes.into()));
        Ok(())
    }
    fn copy(&self, rel: &str, from: &Path) -> Result<(), Fatal> {
        self.put(rel, Entry::File(from.to_path_buf()));
        Ok(())
    }
}

impl MemorySite {
    pub fn build(project: &Project) -> Result<MemorySite, Fatal> {
        let collect = Collect::default();
        site::write_site(&project.model(), &project.theme, &collect)?;
        Ok(MemorySite {
            files: collect.into_files(),
        })
    }

    /// Render the pages of `documents` again (the print page, which every body feeds, is
    /// [`MemorySite::refresh_print`]'s job, done after the reload is announced).
    pub fn update_documents(
        &mut self,
        project: &Project,
        documents: BTreeSet<usize>,
        attachments: bool,
    ) -> Result<(), Fatal> {
        let collect = Collect::default();
        let model = project.model();
        site::write_documents(
            &model,
            &project.theme,
            &collect,
            documents.into_iter().collect::<Vec<_>>(),
        )?;
        if attachments {
            site::write_assets(&model, &project.theme, &collect)?;
        }
        // Everything is written before anything is replaced, so a failure leaves the site as it was.
        let written = collect.into_files();
        if attachments {
            self.files
                .retain(|path, _| !path.starts_with(crate::render::markdown::FILES_DIR));
        }
        self.files.extend(written);
        Ok(())
    }

    pub fn refresh_print(&mut self, project: &Project) -> Result<(), Fatal> {
        let collect = Collect::default();
        site::write_print(&project.model(), &project.theme, &collect)?;
        self.files.extend(collect.into_files());
        Ok(())
    }

    pub fn get(&self, path: &str) -> Option<&Entry> {
        self.files.get(path)
    }
}
