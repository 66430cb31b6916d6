//! `init` and `new`: write starter files. Existing files are never overwritten.

use std::fs;
use std::path::Path;

use crate::cli::{InitArgs, NewArgs};
use crate::diagnostics::{Fatal, Report, Sources};
use crate::load::{self, folder_for_kind, is_valid_id, suggest_id};

/// The starter handbook (`starter/` in the repository), embedded at compile time: every documented
/// information ISO/IEC 27001:2022 requires, the topic-specific policies ISO/IEC 27002:2022 5.1
/// lists, an SoA with all 93 controls undecided and a CI workflow. `{organisation}` is replaced.
const STARTER: &[(&str, &str)] = &[
    (
        ".github/workflows/handbook.yml",
        include_str!("../../starter/.github/workflows/handbook.yml"),
    ),
    (".gitignore", include_str!("../../starter/.gitignore")),
    (
        "content/policies/access-control-policy.md",
        include_str!("../../starter/content/policies/access-control-policy.md"),
    ),
    (
        "content/policies/asset-management-policy.md",
        include_str!("../../starter/content/policies/asset-management-policy.md"),
    ),
    (
        "content/policies/backup-policy.md",
        include_str!("../../starter/content/policies/backup-policy.md"),
    ),
    (
        "content/policies/cryptography-policy.md",
        include_str!("../../starter/content/policies/cryptography-policy.md"),
    ),
    (
        "content/policies/endpoint-device-policy.md",
        include_str!("../../starter/content/policies/endpoint-device-policy.md"),
    ),
    (
        "content/policies/incident-management-policy.md",
        include_str!("../../starter/content/policies/incident-management-policy.md"),
    ),
    (
        "content/policies/information-classification-policy.md",
        include_str!("../../starter/content/policies/information-classification-policy.md"),
    ),
    (
        "content/policies/information-security-policy.md",
        include_str!("../../starter/content/policies/information-security-policy.md"),
    ),
    (
        "content/policies/information-transfer-policy.md",
        include_str!("../../starter/content/policies/information-transfer-policy.md"),
    ),
    (
        "content/policies/network-security-policy.md",
        include_str!("../../starter/content/policies/network-security-policy.md"),
    ),
    (
        "content/policies/physical-and-environmental-security-policy.md",
        include_str!(
            "../../starter/content/policies/physical-and-environmental-security-policy.md"
        ),
    ),
    (
        "content/policies/secure-development-policy.md",
        include_str!("../../starter/content/policies/secure-development-policy.md"),
    ),
    (
        "content/policies/vulnerability-management-policy.md",
        include_str!("../../starter/content/policies/vulnerability-management-policy.md"),
    ),
    (
        "content/procedures/document-control-procedure.md",
        include_str!("../../starter/content/procedures/document-control-procedure.md"),
    ),
    (
        "content/procedures/risk-assessment-and-treatment-procedure.md",
        include_str!("../../starter/content/procedures/risk-assessment-and-treatment-procedure.md"),
    ),
    (
        "content/records/competence-records.md",
        include_str!("../../starter/content/records/competence-records.md"),
    ),
    (
        "content/records/context-of-the-organisation.md",
        include_str!("../../starter/content/records/context-of-the-organisation.md"),
    ),
    (
        "content/records/information-security-objectives.md",
        include_str!("../../starter/content/records/information-security-objectives.md"),
    ),
    (
        "content/records/internal-audit-programme.md",
        include_str!("../../starter/content/records/internal-audit-programme.md"),
    ),
    (
        "content/records/isms-scope.md",
        include_str!("../../starter/content/records/isms-scope.md"),
    ),
    (
        "content/records/management-review-minutes.md",
        include_str!("../../starter/content/records/management-review-minutes.md"),
    ),
    (
        "content/records/monitoring-and-measurement-results.md",
        include_str!("../../starter/content/records/monitoring-and-measurement-results.md"),
    ),
    (
        "content/records/nonconformity-and-corrective-action-log.md",
        include_str!("../../starter/content/records/nonconformity-and-corrective-action-log.md"),
    ),
    (
        "content/records/operational-planning-and-control.md",
        include_str!("../../starter/content/records/operational-planning-and-control.md"),
    ),
    (
        "content/records/risk-register.md",
        include_str!("../../starter/content/records/risk-register.md"),
    ),
    (
        "content/records/roles-and-responsibilities.md",
        include_str!("../../starter/content/records/roles-and-responsibilities.md"),
    ),
    (
        "content/records/statement-of-applicability-note.md",
        include_str!("../../starter/content/records/statement-of-applicability-note.md"),
    ),
    (
        "content/soa.yaml",
        include_str!("../../starter/content/soa.yaml"),
    ),
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
    let organisation = match &args.organisation {
        Some(name) => name.clone(),
        None => {
            let name = organisation_from_folder(dir);
            eprintln!("note: no --organisation given; using `{name}` (change it in book.toml)");
            name
        }
    };
    let title = args
        .title
        .clone()
        .unwrap_or_else(|| format!("{organisation} ISMS Handbook"));
    let book = format!(
        "[book]\ntitle = {}\norganisation = {}\nlanguage = \"en\"\n\n[build]\ncontent-dir = \"content\"\noutput-dir = \"site\"\n",
        toml_string(&title),
        toml_string(&organisation)
    );
    let mut files = vec![("book.toml".to_string(), book)];
    files.extend(STARTER.iter().map(|(rel, text)| {
        (
            rel.to_string(),
            text.replace("{organisation}", &organisation),
        )
    }));
    for (rel, text) in files {
        let path = dir.join(rel);
        if path.exists() {
            eprintln!("kept existing {}", path.display());
            continue;
        }
        write_new(&path, &text)?;
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

/// `acme-hospital` → `Acme Hospital`: a stand-in until the user names the organisation.
fn organisation_from_folder(dir: &Path) -> String {
    let name = std::path::absolute(dir)
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_default();
    let words: Vec<String> = name
        .split(['-', '_', ' '])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect())
                .unwrap_or_default()
        })
        .collect();
    if words.is_empty() {
        "Our organisation".into()
    } else {
        words.join(" ")
    }
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
    fn every_starter_file_is_embedded() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("starter");
        let mut on_disk: Vec<String> = walkdir::WalkDir::new(&root)
            .into_iter()
            .map(|e| e.unwrap())
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                let rel = e.path().strip_prefix(&root).unwrap();
                crate::load::relative_slash_path(rel)
            })
            .collect();
        on_disk.sort();
        let embedded: Vec<&str> = super::STARTER.iter().map(|(rel, _)| *rel).collect();
        assert_eq!(on_disk, embedded);
    }

    #[test]
    fn titles_from_ids() {
        assert_eq!(
            super::title_from_id("remote-access-policy"),
            "Remote access policy"
        );
        assert_eq!(super::yaml_string("A: b"), "\"A: b\"");
    }
}
