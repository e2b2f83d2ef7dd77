//! `cabinet-admin`: the operators' commands.
//!
//! Works against AWS with the usual credentials (`AWS_PROFILE`, `AWS_REGION`,
//! …) and, with `AWS_ENDPOINT_URL` set, against the local emulator.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use cabinet::catalog::Catalog;
use cabinet::cognito_admin::{ExecutorAccounts, ExecutorRequest, NewExecutor};
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
  cabinet-admin create-executor --provider <id> --email <e-mail>
                --first-name <name> --last-name <name> --phone <number>
                [--password <password>] [--user-pool <id>] [--catalog <path>]
      Create the account of an executor of a provider, or bring an existing
      one up to date: names, phone, a verified e-mail, custom:provider_id,
      groups `executors` and `provider:<id>` (created when missing). An
      executor moved to another provider leaves the old provider's group and
      is signed out everywhere. Running it again for the same person changes
      nothing and says so. An account a customer signed up with is refused.
      --provider <id>       provider id; must be in the catalog file
      --email <e-mail>      the executor's login (stored in lower case)
      --first-name <name>   first name
      --last-name <name>    last name
      --phone <number>      mobile phone, +7 or 8 and ten digits; the pool
                            requires one of every account
      --password <password> set as permanent, so no change is asked at the
                            first sign-in; without it Cognito e-mails a
                            temporary password. An account that already has
                            a permanent password keeps it.
      --user-pool <id>      user pool (default: the USER_POOL_ID variable)
      --catalog <path>      catalog file (default: data/catalog.json)
  cabinet-admin help
      Show this text.

AWS access comes from the usual variables and profiles. Against the local
stack of `cargo xtask dev`, set AWS_ENDPOINT_URL to its emulator and
AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local
(its banner prints them).";

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
    /// `create-executor`.
    CreateExecutor(CreateExecutor),
    /// `help`, `--help`, `-h`.
    Help,
}

/// The options of `create-executor`, unchecked: the domain types check them
/// at run time, together with the catalog.
#[derive(Debug, PartialEq, Eq)]
struct CreateExecutor {
    /// User pool from `--user-pool`, else from `USER_POOL_ID` at run time.
    user_pool: Option<String>,
    /// Provider id.
    provider: String,
    /// The executor's e-mail.
    email: String,
    /// First name.
    first_name: String,
    /// Last name.
    last_name: String,
    /// Mobile phone.
    phone: String,
    /// Permanent password, if given.
    password: Option<String>,
    /// The catalog file that must list the provider.
    catalog: PathBuf,
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
        "create-executor" => {
            let mut options = Options::parse(
                rest,
                &[
                    "--user-pool",
                    "--provider",
                    "--email",
                    "--first-name",
                    "--last-name",
                    "--phone",
                    "--password",
                    "--catalog",
                ],
            )?;
            Ok(Command::CreateExecutor(CreateExecutor {
                provider: options.required("--provider")?,
                email: options.required("--email")?,
                first_name: options.required("--first-name")?,
                last_name: options.required("--last-name")?,
                phone: options.required("--phone")?,
                password: options.take("--password"),
                user_pool: options.take("--user-pool"),
                catalog: options
                    .take("--catalog")
                    .unwrap_or_else(|| DEFAULT_CATALOG_FILE.to_string())
                    .into(),
            }))
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

    fn required(&mut self, name: &str) -> anyhow::Result<String> {
        self.take(name)
            .with_context(|| format!("{name} is required"))
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

async fn create_executor(command: CreateExecutor) -> anyhow::Result<()> {
    let user_pool = match command.user_pool {
        Some(pool) => pool,
        None => cabinet::config::required("USER_POOL_ID")
            .context("give the user pool with --user-pool or the USER_POOL_ID variable")?,
    };
    let file = &command.catalog;
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("cannot read the catalog file {}", file.display()))?;
    let catalog = Catalog::from_json(&text)
        .with_context(|| format!("the catalog file {} is refused", file.display()))?;
    let request = ExecutorRequest {
        provider_id: &command.provider,
        email: &command.email,
        first_name: &command.first_name,
        last_name: &command.last_name,
        phone: &command.phone,
        password: command.password.as_deref(),
    };
    let executor = NewExecutor::parse(&catalog, &request).context("the executor is refused")?;

    let sdk = cabinet::config::aws().await;
    let report = ExecutorAccounts::from_config(&sdk, user_pool.clone())
        .ensure(&executor)
        .await
        .with_context(|| {
            format!(
                "setting up the executor in user pool {user_pool} failed; once the cause is \
                 fixed, run the same command again: it completes what is missing"
            )
        })?;

    // The account is named by its id, not its e-mail: this output may end
    // up in a log.
    println!(
        "Executor {} of provider {} ({}) in user pool {user_pool}:",
        report.user_id, report.provider_id, executor.provider.name
    );
    if report.changes.is_empty() {
        println!("  nothing to change: the account already is as asked");
    }
    for change in &report.changes {
        println!("  {change}");
    }
    if report.password_kept {
        println!("  password kept: the account already has a permanent password");
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
        Command::CreateExecutor(command) => create_executor(command).await,
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

    fn create_executor(line: &str) -> CreateExecutor {
        match parse(&args(line)) {
            Ok(Command::CreateExecutor(command)) => command,
            other => panic!("{line:?} gave {other:?}"),
        }
    }

    const EXECUTOR: &str = "create-executor --provider chamber-spb --email e@example.ru \
                            --first-name Ольга --last-name Кузнецова --phone +79211234567";

    #[test]
    fn create_executor_takes_the_person_and_defaults_the_rest() {
        assert_eq!(
            create_executor(EXECUTOR),
            CreateExecutor {
                user_pool: None,
                provider: "chamber-spb".into(),
                email: "e@example.ru".into(),
                first_name: "Ольга".into(),
                last_name: "Кузнецова".into(),
                phone: "+79211234567".into(),
                password: None,
                catalog: "data/catalog.json".into(),
            }
        );
    }

    #[test]
    fn create_executor_takes_every_option_in_either_spelling() {
        let command = create_executor(
            "create-executor --last-name=Кузнецова --password Secret123 --user-pool=us-east-1_X \
             --catalog /tmp/c.json --email e@example.ru --first-name Ольга --phone=89211234567 \
             --provider chamber-spb",
        );
        assert_eq!(
            command,
            CreateExecutor {
                user_pool: Some("us-east-1_X".into()),
                provider: "chamber-spb".into(),
                email: "e@example.ru".into(),
                first_name: "Ольга".into(),
                last_name: "Кузнецова".into(),
                phone: "89211234567".into(),
                password: Some("Secret123".into()),
                catalog: "/tmp/c.json".into(),
            }
        );
    }

    #[test]
    fn create_executor_names_a_missing_option() {
        for missing in [
            "--provider",
            "--email",
            "--first-name",
            "--last-name",
            "--phone",
        ] {
            let words: Vec<String> = args(EXECUTOR);
            let position = words
                .iter()
                .position(|w| w == missing)
                .expect("the line has every required option");
            let mut without = words.clone();
            without.drain(position..position + 2);
            let error = parse(&without).unwrap_err().to_string();
            assert_eq!(error, format!("{missing} is required"));
        }
    }

    #[test]
    fn create_executor_refuses_what_it_does_not_know() {
        for extra in [
            "--table t",
            "--phone +79001234567",
            "--region eu-central-1",
            "--password",
            "--password --catalog x",
            "--email other@example.ru",
            "--first-name=",
        ] {
            let line = format!("{EXECUTOR} {extra}");
            assert!(parse(&args(&line)).is_err(), "{line:?}");
        }
    }

    #[test]
    fn help_is_a_command() {
        assert_eq!(parse(&args("--help")).unwrap(), Command::Help);
    }
}
