//! Which tables devstack made and how far their seed data got, noted on the
//! engine itself, in devstack's own table ([`STATE_TABLE`]): one item per
//! table, keyed by its name, with the table's creation time as the engine
//! reports it. Tags would do the same, but DynamoDB Local has none, and a
//! table works on every engine. The notes travel with the tables (another
//! checkout or home reads the same ones) and vanish with them.
//!
//! A table is noted `creating` just before `CreateTable`, `loading` once it
//! exists (with its creation time), and `seeded` when its load finished (or
//! there was nothing to load). An existing table is devstack's only when its
//! note matches it: the same creation time, or `creating` (the run that
//! sent `CreateTable` never learnt the time).

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
    ScalarAttributeType,
};
use tokio::sync::OnceCell;

use super::client::describe_error;
use super::tables::{self, TableState};
use crate::service::STATE_TABLE;

/// The key attribute of the state table: the table's name.
const KEY: &str = "table";
const STAGE: &str = "state";
const CREATED: &str = "created";

/// How far devstack got with a table it made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::Display, strum::EnumString)]
#[strum(serialize_all = "lowercase")]
pub enum Stage {
    /// `CreateTable` is about to be sent.
    Creating,
    /// The table exists; its seed data is being loaded.
    Loading,
    /// Its seed data was loaded to the end (or it had none).
    Seeded,
}

/// What devstack noted about one table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub stage: Stage,
    /// The table's creation time in milliseconds since the epoch, as the
    /// engine reported it; none while `creating`.
    pub created: Option<i64>,
}

/// What a table's note says about its seed data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seeding {
    /// devstack made it and loaded its seed data to the end.
    Done,
    /// devstack made it, and a run was cut short before its load ended.
    Unfinished,
    /// No note matches it: someone else made it (or made it again).
    NotOurs,
}

/// Judges an existing table, created at `created`, by its note. Pure.
pub fn seeding(note: Option<&Note>, created: Option<i64>) -> Seeding {
    match note {
        None => Seeding::NotOurs,
        Some(Note {
            stage: Stage::Creating,
            ..
        }) => Seeding::Unfinished,
        Some(note) if note.created != created => Seeding::NotOurs,
        Some(Note {
            stage: Stage::Loading,
            ..
        }) => Seeding::Unfinished,
        Some(Note {
            stage: Stage::Seeded,
            ..
        }) => Seeding::Done,
    }
}

/// The notes of one endpoint, as read once by a command, and the way to
/// write new ones. The state table is created by the first write, so an
/// engine where devstack never made a table has none.
pub struct Notes<'a> {
    client: &'a Client,
    read: HashMap<String, Note>,
    made: OnceCell<()>,
    /// Whether notes are kept at this endpoint at all (see [`Notes::off`]).
    kept: bool,
}

impl<'a> Notes<'a> {
    /// Notes to write, none read (for `reset`, which replaces the tables).
    pub fn new(client: &'a Client) -> Notes<'a> {
        Notes {
            client,
            read: HashMap::new(),
            made: OnceCell::new(),
            kept: true,
        }
    }

    /// No notes, none read and none written: for an endpoint that is not
    /// devstack's own nor on this machine (`--endpoint` with
    /// `--allow-remote`, a real account), where devstack makes no table of
    /// its own. There, seed data goes only into the tables a command
    /// creates, or every table with `--reseed`.
    pub fn off(client: &'a Client) -> Notes<'a> {
        Notes {
            kept: false,
            ..Notes::new(client)
        }
    }

    /// The notes of an endpoint: read when `kept`, else [`Notes::off`].
    pub async fn at(client: &'a Client, kept: bool) -> anyhow::Result<Notes<'a>> {
        if kept {
            Notes::read(client).await
        } else {
            Ok(Notes::off(client))
        }
    }

    /// Every note at the endpoint, in one `Scan` (a page per MB).
    pub async fn read(client: &'a Client) -> anyhow::Result<Notes<'a>> {
        let mut notes = Notes::new(client);
        let mut pages = client
            .scan()
            .table_name(STATE_TABLE)
            .consistent_read(true)
            .into_paginator()
            .items()
            .send();
        while let Some(item) = pages.next().await {
            let item = match item {
                Ok(item) => item,
                Err(err) if tables::is_code(&err, "ResourceNotFoundException") => {
                    return Ok(notes);
                }
                Err(err) => anyhow::bail!("Scan `{STATE_TABLE}`: {}", describe_error(&err)),
            };
            if let Some((table, note)) = from_item(&item) {
                notes.read.insert(table, note);
            }
        }
        // It answered, so it is there: writes need not make it.
        let _ = notes.made.set(());
        Ok(notes)
    }

    /// What the note read for this table says about it.
    pub fn seeding(&self, state: &TableState) -> Seeding {
        seeding(self.read.get(&state.name), state.created)
    }

    /// Notes that `table` reached `stage`; `created` is its creation time,
    /// as the engine reports it.
    pub async fn write(
        &self,
        table: &str,
        stage: Stage,
        created: Option<i64>,
    ) -> anyhow::Result<()> {
        if !self.kept {
            return Ok(());
        }
        self.made
            .get_or_try_init(|| make_state_table(self.client))
            .await?;
        let mut item = HashMap::from([
            (KEY.to_string(), AttributeValue::S(table.to_string())),
            (STAGE.to_string(), AttributeValue::S(stage.to_string())),
        ]);
        if let Some(created) = created {
            item.insert(CREATED.to_string(), AttributeValue::N(created.to_string()));
        }
        self.client
            .put_item()
            .table_name(STATE_TABLE)
            .set_item(Some(item))
            .send()
            .await
            .map_err(|err| {
                anyhow::anyhow!(
                    "PutItem `{STATE_TABLE}` (table `{table}` {stage}): {}",
                    describe_error(&err)
                )
            })?;
        Ok(())
    }
}

impl Notes<'_> {
    /// Forgets the note of a table that was not made after all
    /// (`CreateTable` failed): a table made later by someone else must not
    /// be taken for devstack's. Best effort: the note is only a `creating`.
    pub async fn forget(&self, table: &str) {
        if !self.kept || self.made.get().is_none() {
            return;
        }
        let _ = self
            .client
            .delete_item()
            .table_name(STATE_TABLE)
            .key(KEY, AttributeValue::S(table.to_string()))
            .send()
            .await;
    }
}

/// Creates the state table if it is not there, and waits until it is ACTIVE.
async fn make_state_table(client: &Client) -> anyhow::Result<()> {
    let sent = client
        .create_table()
        .table_name(STATE_TABLE)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(KEY)
                .attribute_type(ScalarAttributeType::S)
                .build()?,
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name(KEY)
                .key_type(KeyType::Hash)
                .build()?,
        )
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await;
    match sent {
        Ok(_) => {}
        // Made by an earlier write, or by another command meanwhile.
        Err(err) if tables::is_code(&err, "ResourceInUseException") => {}
        Err(err) => anyhow::bail!("CreateTable `{STATE_TABLE}`: {}", describe_error(&err)),
    }
    tables::wait_status(client, STATE_TABLE).await?;
    Ok(())
}

/// A note as stored; `None` for an item this version cannot read (it then
/// counts as no note: devstack never loads a table it cannot vouch for).
fn from_item(item: &HashMap<String, AttributeValue>) -> Option<(String, Note)> {
    let table = item.get(KEY)?.as_s().ok()?.clone();
    let stage = item.get(STAGE)?.as_s().ok()?.parse().ok()?;
    let created = match item.get(CREATED) {
        Some(value) => Some(value.as_n().ok()?.parse().ok()?),
        None => None,
    };
    Some((table, Note { stage, created }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note(stage: Stage, created: Option<i64>) -> Note {
        Note { stage, created }
    }

    #[test]
    fn a_table_is_devstacks_only_when_its_note_matches_it() {
        let at = Some(1_700_000_000_000);
        let other = Some(1_700_000_001_000);
        assert_eq!(seeding(None, at), Seeding::NotOurs, "no note");
        let seeded = note(Stage::Seeded, at);
        assert_eq!(seeding(Some(&seeded), at), Seeding::Done);
        assert_eq!(
            seeding(Some(&seeded), other),
            Seeding::NotOurs,
            "made again by someone else"
        );
        let loading = note(Stage::Loading, at);
        assert_eq!(seeding(Some(&loading), at), Seeding::Unfinished);
        assert_eq!(seeding(Some(&loading), other), Seeding::NotOurs);
        let creating = note(Stage::Creating, None);
        assert_eq!(
            seeding(Some(&creating), at),
            Seeding::Unfinished,
            "cut short after CreateTable was sent"
        );
    }

    #[test]
    fn notes_are_read_back_as_written_and_unknown_ones_are_no_note() {
        let item = |pairs: &[(&str, AttributeValue)]| {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect::<HashMap<_, _>>()
        };
        let s = |text: &str| AttributeValue::S(text.to_string());
        assert_eq!(
            from_item(&item(&[
                (KEY, s("orders")),
                (STAGE, s("seeded")),
                (CREATED, AttributeValue::N("1700000000000".into())),
            ])),
            Some((
                "orders".to_string(),
                note(Stage::Seeded, Some(1_700_000_000_000))
            ))
        );
        assert_eq!(
            from_item(&item(&[(KEY, s("orders")), (STAGE, s("creating"))])),
            Some(("orders".to_string(), note(Stage::Creating, None)))
        );
        assert_eq!(
            from_item(&item(&[(KEY, s("orders")), (STAGE, s("archived"))])),
            None
        );
        assert_eq!(from_item(&item(&[(KEY, s("orders"))])), None);
    }
}
