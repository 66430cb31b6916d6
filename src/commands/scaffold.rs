//! `init` and `new`: write starter files. Existing files are never overwritten.

use std::fs;
use std::path::Path;

use crate::cli::{InitArgs, NewArgs};
use crate::diagnostics::{Fatal, Report, Sources};
use crate::load::{self, folder_for_kind, is_valid_id, suggest_id};

const STARTER: &[(&str, &str)] = &[
    (
        "content/policies/information-security-policy.md",
        "---\nid: information-security-policy\ntitle: Information security policy\ndescription: Management's direction and support for information security.\nowner: Security Officer\napprover: Chief Executive\nstatus: draft\nversion: \"0.1\"\nclassification: internal\ncontrols: [A.5.1]\n---\n\n## Purpose\n\nThis policy sets out how we protect the confidentiality, integrity and availability of information.\n\n## Responsibilities\n\nEvery member of staff reports suspected incidents as described in [incident-management-procedure].\n\n## Review\n\nThis policy is reviewed at every management review; decisions are recorded in the [meeting-minutes].\n",
    ),
    (
        "content/procedures/incident-management-procedure.md",
        "---\nid: incident-management-procedure\ntitle: Incident management procedure\ndescription: How security incidents are reported, handled and learnt from.\nowner: Security Officer\nstatus: draft\nversion: \"0.1\"\n---\n\n## Scope\n\nAll suspected information security incidents, as defined in the [information-security-policy].\n\n## Flow\n\n```mermaid\nflowchart LR\n    A[Report] --> B{Incident?}\n    B -->|yes| C[Contain] --> D[Recover] --> E[Lessons learnt]\n    B -->|no| F[Close]\n```\n\n## Records\n\nSerious incidents are reported at the next management review ([meeting-minutes]).\n",
    ),
    (
        "content/records/meeting-minutes.md",
        "---\nid: meeting-minutes\ntitle: Management review minutes\ndescription: Template for the minutes of management reviews.\nowner: Compliance Officer\nstatus: draft\nversion: \"0.1\"\n---\n\n## Attendees\n\n| Name | Role |\n|------|------|\n|      |      |\n\n## Decisions and actions\n\n- [ ] Review the [information-security-policy]\n- [ ] Review incidents handled under the [incident-management-procedure]\n",
    ),
    (".gitignore", "/site\n/.policybook-cache\n/review-pack\n"),
];

pub fn init(args: &InitArgs) -> Result<(), Fatal> {
    let dir = &args.dir;
    if dir.exists() {
        let non_empty = fs::read_dir(dir)
            .map_err(|e| Fatal::io("read", dir, e))?
            .next()
            .is_some();
        if non_empty && !args.force {
            return Err(Fatal::new(format!("`{}` is not empty", dir.display()))
                .help("choose an empty or new folder, or pass `--force` (existing files are never overwritten)"));
        }
    }
    let title = args.title.clone().unwrap_or_else(|| "ISMS Handbook".into());
    let book = format!(
        "[book]\ntitle = {}\norganisation = \"Example Organisation\"\nlanguage = \"en\"\n\n[build]\ncontent-dir = \"content\"\noutput-dir = \"site\"\n",
        toml_string(&title)
    );
    let mut files = vec![("book.toml", book.as_str())];
    files.extend(STARTER.iter().copied());
    for (rel, text) in files {
        let path = dir.join(rel);
        if path.exists() {
            eprintln!("kept existing {}", path.display());
            continue;
        }
        write_new(&path, text)?;
        eprintln!("created {}", path.display());
    }
    eprintln!(
        "\nNext: `policybook build {}` and open {}",
        dir.display(),
        dir.join("site/index.html").display()
    );
    Ok(())
}

pub fn new(args: &NewArgs) -> Result<(), Fatal> {
    if !is_valid_id(&args.id) {
        return Err(
            Fatal::new(format!("invalid document id `{}`", args.id)).help(format!(
                "ids are lowercase words joined by hyphens; try `{}`",
                suggest_id(&args.id)
            )),
        );
    }
    if !is_valid_id(&args.kind) {
        return Err(Fatal::new(format!("invalid document type `{}`", args.kind))
            .help("e.g. policy, procedure, standard, guideline, record"));
    }
    let mut sources = Sources::default();
    let mut report = Report::default();
    let handbook = load::load(&args.root, &mut sources, &mut report)?;
    if let Some(existing) = handbook.documents.iter().find(|d| d.id == args.id) {
        return Err(Fatal::new(format!(
            "a document with id `{}` already exists: {}",
            args.id,
            sources.get(existing.file).display_path.display()
        ))
        .help("ids must be unique; choose another id"));
    }
    let title = args
        .title
        .clone()
        .unwrap_or_else(|| title_from_id(&args.id));
    let rel = format!("{}/{}.md", folder_for_kind(&args.kind), args.id);
    let path = handbook.content_dir.join(&rel);
    let text = format!(
        "---\nid: {id}\ntitle: {title}\ndescription:\ntype: {kind}\nowner:\napprover:\nstatus: draft\nversion: \"0.1\"\nclassification: internal\ncontrols: []\n---\n\n## Purpose\n\n## Scope\n\n## Responsibilities\n\n## Related documents\n",
        id = args.id,
        title = yaml_string(&title),
        kind = args.kind,
    );
    write_new(&path, &text)?;
    println!("{}", path.display());
    Ok(())
}

/// Create `path` (and its folders); fail if it exists, never overwrite.
fn write_new(path: &Path, text: &str) -> Result<(), Fatal> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(|e| Fatal::io("create", parent, e))?;
    }
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| Fatal::io("create", path, e))?;
    std::io::Write::write_all(&mut file, text.as_bytes()).map_err(|e| Fatal::io("write", path, e))
}

fn title_from_id(id: &str) -> String {
    let words = id.replace('-', " ");
    let mut chars = words.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn yaml_string(s: &str) -> String {
    if s.chars()
        .all(|c| c.is_alphanumeric() || c == ' ' || c == '-')
    {
        s.to_string()
    } else {
        serde_json::to_string(s).expect("strings serialise")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn titles_from_ids() {
        assert_eq!(
            super::title_from_id("remote-access-policy"),
            "Remote access policy"
        );
        assert_eq!(super::yaml_string("A: b"), "\"A: b\"");
    }
}
