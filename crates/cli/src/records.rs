//! The file formats of `import` and `export`: CSV with a header row, and JSON lines. Both
//! carry `username, email, password | password_hash, confirmed, blocked, role`.

use serde::{Deserialize, Serialize};

use gatehouse_core::import::ImportRecord;

/// The columns a file may have.
pub const COLUMNS: &[&str] = &["username", "email", "password", "password_hash", "confirmed", "blocked", "role"];

/// One user as a JSON line; `export` writes it without `password`.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserLine {
    pub username: String,
    pub email: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    #[serde(default)]
    pub password_hash: Option<String>,
    #[serde(default)]
    pub confirmed: Option<bool>,
    #[serde(default)]
    pub blocked: Option<bool>,
    #[serde(default)]
    pub role: Option<String>,
}

impl UserLine {
    /// Absent `confirmed` means confirmed (an operator vouches for imported accounts),
    /// absent `blocked` means not blocked.
    fn into_record(self, line: usize) -> ImportRecord {
        ImportRecord {
            line,
            username: self.username,
            email: self.email,
            password: self.password.filter(|p| !p.is_empty()),
            password_hash: self.password_hash.filter(|h| !h.is_empty()),
            confirmed: self.confirmed.unwrap_or(true),
            blocked: self.blocked.unwrap_or(false),
            role: self.role.filter(|r| !r.is_empty()),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Csv,
    Jsonl,
}

impl Format {
    /// By the file name's extension, else by the first character: `{` is JSON lines.
    pub fn detect(name: &str, content: &str) -> Format {
        let lower = name.to_lowercase();
        let json_name = lower.ends_with(".jsonl") || lower.ends_with(".ndjson") || lower.ends_with(".json");
        if !lower.ends_with(".csv") && (json_name || content.trim_start().starts_with('{')) {
            Format::Jsonl
        } else {
            Format::Csv
        }
    }
}

/// What a file holds: the records to import and the lines that could not be read.
#[derive(Debug, Default)]
pub struct Parsed {
    pub records: Vec<ImportRecord>,
    pub unreadable: Vec<(usize, String)>,
}

/// Reads the whole file; an error is a problem with the file as a whole (no header, an
/// unknown column), not with one line.
pub fn parse(format: Format, content: &str) -> Result<Parsed, String> {
    match format {
        Format::Csv => parse_csv(content),
        Format::Jsonl => Ok(parse_jsonl(content)),
    }
}

fn parse_jsonl(content: &str) -> Parsed {
    let mut parsed = Parsed::default();
    for (i, line) in content.lines().enumerate() {
        let number = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<UserLine>(line) {
            Ok(user) => parsed.records.push(user.into_record(number)),
            Err(e) => parsed.unreadable.push((number, format!("not a valid user record: {e}"))),
        }
    }
    parsed
}

fn parse_csv(content: &str) -> Result<Parsed, String> {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).flexible(false).from_reader(content.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| format!("cannot read the CSV header row: {e}"))?
        .iter()
        .map(|h| h.to_lowercase())
        .collect();
    for header in &headers {
        if !COLUMNS.contains(&header.as_str()) {
            return Err(format!("unknown column '{header}' in the CSV header (known: {})", COLUMNS.join(", ")));
        }
    }
    for required in ["username", "email"] {
        if !headers.iter().any(|h| h == required) {
            return Err(format!("the CSV header has no '{required}' column"));
        }
    }
    let column = |name: &str| headers.iter().position(|h| h == name);
    let columns: Vec<Option<usize>> = COLUMNS.iter().map(|c| column(c)).collect();
    let mut parsed = Parsed::default();
    for result in reader.records() {
        let record = match result {
            Ok(record) => record,
            Err(e) => {
                let line = e.position().map(|p| p.line() as usize).unwrap_or(0);
                let hint = match e.kind() {
                    csv::ErrorKind::UnequalLengths { .. } => {
                        " (quote fields that contain commas, such as Argon2 hashes)"
                    }
                    _ => "",
                };
                parsed.unreadable.push((line, format!("unreadable CSV record: {e}{hint}")));
                continue;
            }
        };
        let line = record.position().map(|p| p.line() as usize).unwrap_or(0);
        let field = |i: usize| columns[i].and_then(|c| record.get(c)).filter(|v| !v.is_empty()).map(str::to_string);
        let flag = |i: usize| field(i).map(|v| parse_bool(&v).ok_or(v)).transpose();
        let (confirmed, blocked) = match (flag(4), flag(5)) {
            (Ok(confirmed), Ok(blocked)) => (confirmed, blocked),
            (Err(v), _) | (_, Err(v)) => {
                parsed.unreadable.push((line, format!("'{v}' is not a boolean (true/false, 1/0, yes/no)")));
                continue;
            }
        };
        let user = UserLine {
            username: field(0).unwrap_or_default(),
            email: field(1).unwrap_or_default(),
            password: field(2),
            password_hash: field(3),
            confirmed,
            blocked,
            role: field(6),
        };
        parsed.records.push(user.into_record(line));
    }
    Ok(parsed)
}

fn parse_bool(value: &str) -> Option<bool> {
    match value.to_lowercase().as_str() {
        "true" | "1" | "yes" | "y" | "t" => Some(true),
        "false" | "0" | "no" | "n" | "f" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_with_any_column_order_and_defaults() {
        let csv = "email,username,password,role,blocked\nA@X.org, alice ,secret1,editor,yes\nb@x.org,bob,,,\n";
        let parsed = parse(Format::Csv, csv).unwrap();
        assert!(parsed.unreadable.is_empty());
        let alice = &parsed.records[0];
        assert_eq!((alice.line, alice.username.as_str(), alice.email.as_str()), (2, "alice", "A@X.org"));
        assert_eq!((alice.password.as_deref(), alice.role.as_deref()), (Some("secret1"), Some("editor")));
        assert!(alice.blocked && alice.confirmed);
        let bob = &parsed.records[1];
        assert_eq!((bob.line, bob.password.as_deref(), bob.role.as_deref(), bob.blocked), (3, None, None, false));
    }

    #[test]
    fn csv_problems_of_the_file_and_of_a_line() {
        assert!(parse(Format::Csv, "user,email\n").unwrap_err().contains("unknown column 'user'"));
        assert!(parse(Format::Csv, "username,password\n").unwrap_err().contains("no 'email' column"));
        let parsed = parse(Format::Csv, "username,email,confirmed\nann,a@x.org,maybe\nbob,b@x.org\n").unwrap();
        assert_eq!(parsed.records.len(), 0);
        assert_eq!(parsed.unreadable[0].0, 2);
        assert!(parsed.unreadable[0].1.contains("'maybe' is not a boolean"));
        assert_eq!(parsed.unreadable[1].0, 3);
    }

    #[test]
    fn json_lines_with_their_line_numbers() {
        let text = "{\"username\":\"ann\",\"email\":\"a@x.org\",\"password_hash\":null,\"confirmed\":false}\n\nnot json\n{\"username\":\"bob\",\"email\":\"b@x.org\",\"pwd\":\"x\"}\n";
        let parsed = parse(Format::Jsonl, text).unwrap();
        assert_eq!(parsed.records.len(), 1);
        assert!(!parsed.records[0].confirmed);
        let lines: Vec<usize> = parsed.unreadable.iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, [3, 4]);
        assert!(parsed.unreadable[1].1.contains("unknown field `pwd`"), "{:?}", parsed.unreadable);
    }

    #[test]
    fn format_by_extension_then_content() {
        assert_eq!(Format::detect("users.CSV", "{"), Format::Csv);
        assert_eq!(Format::detect("users.jsonl", "username"), Format::Jsonl);
        assert_eq!(Format::detect("-", " {\"username\""), Format::Jsonl);
        assert_eq!(Format::detect("users.txt", "username,email"), Format::Csv);
    }
}
