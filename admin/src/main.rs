//! `cabinet-admin`: the operators' commands.
//!
//! Works against AWS with the usual credentials (`AWS_PROFILE`, `AWS_REGION`,
//! …) and, with `AWS_ENDPOINT_URL` set, against the local emulator.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use cabinet::catalog::Catalog;
use cabinet::store::catalog::CatalogTable;

const USAGE: &str = "\
cabinet-admin: operators' commands of the customer cabinet

Usage:
  cabinet-admin import-catalog [--file <path>] [--table <name>]
      Load the catalog file into the table. Only items that changed are
      written, and items no longer in the file are deleted, so loading the
      same file twice changes nothing.
      --file <path>   catalog file (default: data/catalog.json)
      --table <name>  DynamoDB table (default: the TABLE_NAME variable)
  cabinet-admin help
      Show this text.

AWS access comes from the usual variables and profiles; set
AWS_ENDPOINT_URL to work against a local emulator.";

/// Catalog file used when `--file` is not given.
const DEFAULT_CATALOG_FILE: &str = "data/catalog.json";

/// One command line, parsed.
#[derive(Debug, PartialEq, Eq)]
enum Command {
    /// `import-catalog`.
    ImportCatalog {
        /// The catalog file.
        file: PathBuf,
        /// Table from `--table`, else from `TABLE_NAME` at run time.
        table: Option<String>,
    },
    /// `help`, `--help`, `-h`.
    Help,
}

/// Parses the arguments after the program name.
fn parse(args: &[String]) -> anyhow::Result<Command> {
    let Some((command, rest)) = args.split_first() else {
        bail!("no command given");
    };
    match command.as_str() {
        "import-catalog" => {
            let mut options = Options::parse(rest, &["--file", "--table"])?;
            Ok(Command::ImportCatalog {
                file: options
                    .take("--file")
                    .unwrap_or_else(|| DEFAULT_CATALOG_FILE.to_string())
                    .into(),
                table: options.take("--table"),
            })
        }
        "help" | "--help" | "-h" => Ok(Command::Help),
        other => bail!("unknown command {other:?}"),
    }
}

/// `--name value` and `--name=value` options, each given at most once.
struct Options(Vec<(&'static str, String)>);

impl Options {
    fn parse(args: &[String], known: &[&'static str]) -> anyhow::Result<Self> {
        let mut found: Vec<(&'static str, String)> = Vec::new();
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            let (name, inline) = match arg.split_once('=') {
                Some((name, value)) => (name, Some(value.to_string())),
                None => (arg.as_str(), None),
            };
            let Some(&name) = known.iter().find(|known| **known == name) else {
                bail!("unknown option {arg:?}");
            };
            let value = match inline {
                Some(value) => value,
                None => args
                    .next()
                    .cloned()
                    .with_context(|| format!("{name} needs a value"))?,
            };
            if value.trim().is_empty() || value.starts_with("--") {
                bail!("{name} needs a value");
            }
            if found.iter().any(|(seen, _)| *seen == name) {
                bail!("{name} is given more than once");
            }
            found.push((name, value));
        }
        Ok(Self(found))
    }

    fn take(&mut self, name: &str) -> Option<String> {
        let index = self.0.iter().position(|(known, _)| *known == name)?;
        Some(self.0.swap_remove(index).1)
    }
}

async fn import_catalog(file: PathBuf, table: Option<String>) -> anyhow::Result<()> {
    let table = match table {
        Some(table) => table,
        None => cabinet::config::required("TABLE_NAME")
            .context("give the table with --table or the TABLE_NAME variable")?,
    };
    let text = std::fs::read_to_string(&file)
        .with_context(|| format!("cannot read the catalog file {}", file.display()))?;
    let catalog = Catalog::from_json(&text)
        .with_context(|| format!("the catalog file {} is refused", file.display()))?;

    let sdk = cabinet::config::aws().await;
    let report = CatalogTable::from_config(&sdk, table.clone())
        .import(&catalog)
        .await
        .with_context(|| format!("importing the catalog into table {table} failed"))?;

    println!(
        "Catalog {} imported into table {table}: {report}",
        file.display()
    );
    for sk in &report.written {
        println!("  written  {sk}");
    }
    for sk in &report.removed {
        println!("  removed  {sk}");
    }
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = match parse(&args) {
        Ok(command) => command,
        Err(error) => {
            eprintln!("error: {error}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let outcome = match command {
        Command::Help => {
            println!("{USAGE}");
            Ok(())
        }
        Command::ImportCatalog { file, table } => import_catalog(file, table).await,
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Vec<String> {
        line.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn import_catalog_defaults_to_the_products_file() {
        assert_eq!(
            parse(&args("import-catalog --table cabinet")).unwrap(),
            Command::ImportCatalog {
                file: "data/catalog.json".into(),
                table: Some("cabinet".into()),
            }
        );
        assert_eq!(
            parse(&args("import-catalog")).unwrap(),
            Command::ImportCatalog {
                file: "data/catalog.json".into(),
                table: None,
            }
        );
    }

    #[test]
    fn options_take_either_spelling_in_any_order() {
        assert_eq!(
            parse(&args("import-catalog --table=t --file /tmp/c.json")).unwrap(),
            Command::ImportCatalog {
                file: "/tmp/c.json".into(),
                table: Some("t".into()),
            }
        );
    }

    #[test]
    fn refuses_what_it_does_not_know() {
        for line in [
            "",
            "import",
            "import-catalog --tabel t",
            "import-catalog --table",
            "import-catalog --table --file x",
            "import-catalog --table a --table b",
        ] {
            assert!(parse(&args(line)).is_err(), "{line:?}");
        }
    }

    #[test]
    fn help_is_a_command() {
        assert_eq!(parse(&args("--help")).unwrap(), Command::Help);
    }
}
