//! Every lab the workbench ships, in the order the lists show them.

use std::borrow::Cow;

use lab_core::{LabInfo, ParamSpec, Registry};
use lab_i18n::Lang;

pub fn registry() -> Registry {
    let mut registry = Registry::new();
    lab_zmq::register(&mut registry);
    lab_sockets::register(&mut registry);
    lab_archive::register(&mut registry);
    lab_testdeps::register(&mut registry);
    lab_flashsale::register(&mut registry);
    registry
}

/// A lab's title in `lang` (the lab writes its English; the catalogue holds the rest).
pub fn title(lang: Lang, info: &LabInfo) -> Cow<'static, str> {
    lab_i18n::lab_text(lang, &format!("lab-{}-title", info.id), info.title)
}

/// A lab's summary in `lang`.
pub fn summary(lang: Lang, info: &LabInfo) -> Cow<'static, str> {
    lab_i18n::lab_text(lang, &format!("lab-{}-summary", info.id), info.summary)
}

/// What one of a lab's parameters does, in `lang`.
pub fn param_help(lang: Lang, info: &LabInfo, spec: &ParamSpec) -> Cow<'static, str> {
    lab_i18n::lab_text(lang, &format!("param-{}-{}", info.id, spec.name), spec.help)
}

#[cfg(test)]
mod tests {
    //! The whole registry, held to the lab contract: what each lab declares must be what it
    //! reads, counts and shows.

    use std::time::Duration;

    use lab_core::{LabRun, Params, RunOptions, Snapshot};

    use super::registry;

    #[test]
    fn every_lab_reads_exactly_its_schema_at_the_defaults() {
        for lab in registry().labs() {
            let info = lab.info();
            // Parsing also reads the typed parameters: a name the schema lacks, a kind that
            // does not fit, or a parameter nobody reads is refused here.
            if let Err(problem) = lab.parse_params(&[]) {
                panic!("{}: its defaults are refused: {problem}", info.id);
            }
        }
    }

    #[test]
    fn no_lab_parameter_takes_the_name_of_a_run_flag() {
        for lab in registry().labs() {
            let info = lab.info();
            for spec in &info.params {
                assert!(
                    !lab_core::RUN_FLAGS.contains(&spec.name),
                    "{}: --{} is a run flag of `workbench lab`",
                    info.id,
                    spec.name
                );
            }
        }
    }

    /// A lab's topic is a lesson of the course (its lesson is read beside it), and every
    /// lesson has a lab to run.
    #[test]
    fn every_lab_belongs_to_a_topic_and_every_topic_has_a_lab() {
        let labs: Vec<_> = registry().labs().iter().map(|lab| lab.info()).collect();
        for info in &labs {
            assert!(
                crate::course::TOPICS.contains(&info.topic),
                "{}: topic {} is not one of {:?}",
                info.id,
                info.topic,
                crate::course::TOPICS
            );
        }
        for topic in crate::course::TOPICS {
            assert!(
                labs.iter().any(|info| info.topic == *topic),
                "the {topic} lesson has no lab"
            );
        }
    }

    /// Every lab's title, summary and parameter help are in Chinese too, and the catalogue
    /// holds no translation of a lab or parameter that no longer exists.
    #[test]
    fn every_lab_text_has_its_chinese_and_no_translation_is_stale() {
        use lab_i18n::{Lang, has};
        let mut wanted = Vec::new();
        for lab in registry().labs() {
            let info = lab.info();
            wanted.push(format!("lab-{}-title", info.id));
            wanted.push(format!("lab-{}-summary", info.id));
            for spec in &info.params {
                wanted.push(format!("param-{}-{}", info.id, spec.name));
            }
        }
        let missing: Vec<&String> = wanted.iter().filter(|key| !has(Lang::Zh, key)).collect();
        assert!(missing.is_empty(), "zh-CN.ftl lacks: {missing:#?}");
        let stale: Vec<String> = lab_i18n::catalogue(Lang::Zh)
            .unwrap()
            .into_iter()
            .map(|(id, _)| id)
            .filter(|id| {
                lab_i18n::LAB_TEXT_PREFIXES
                    .iter()
                    .any(|prefix| id.starts_with(prefix))
            })
            .filter(|id| !wanted.contains(id))
            .collect();
        assert!(
            stale.is_empty(),
            "zh-CN.ftl translates what no lab has: {stale:#?}"
        );
    }

    /// Runs one lab at its defaults for about a second; its report and its last snapshot.
    fn run_for_a_second(lab: std::sync::Arc<dyn lab_core::AnyLab>) -> (lab_core::Report, Snapshot) {
        let params = Params::defaults(&lab.info().params);
        let options = RunOptions {
            duration: Some(Duration::from_secs(1)),
            ..RunOptions::default()
        };
        LabRun::start(lab, params, options).watch_to_end()
    }

    #[test]
    fn every_lab_runs_headless_for_a_second_and_charts_what_it_counts() {
        let mut untranslated = Vec::new();
        for lab in registry().labs() {
            let id = lab.info().id;
            let (report, snapshot) = run_for_a_second(lab.clone());
            assert_eq!(report.lab, id);
            for broken in ["crashed", "reads its parameters wrongly"] {
                assert!(!report.verdict.contains(broken), "{id}: {}", report.verdict);
            }
            assert!(report.t < 30.0, "{id} took {} s to stop", report.t);
            assert!(
                !snapshot.counters.is_empty() || !snapshot.gauges.is_empty(),
                "{id} counted nothing in a second"
            );
            for charted in &snapshot.hints.charts {
                assert!(
                    snapshot.counters.contains_key(charted)
                        || snapshot.gauges.contains_key(charted),
                    "{id} charts {charted}, which it never counts (counters: {:?})",
                    snapshot.counters.keys().collect::<Vec<_>>()
                );
            }
            for (table, column) in &snapshot.hints.bars {
                let Some(view) = snapshot.tables.get(table) else {
                    panic!("{id} draws bars of table {table}, which it never declares");
                };
                assert!(
                    view.columns.contains(column),
                    "{id}: bars of {table} by {column}, not one of {:?}",
                    view.columns
                );
            }
            untranslated.extend(
                labelled_ids(&snapshot)
                    .into_iter()
                    .filter(|name| {
                        !english_words(&lab_i18n::label(lab_i18n::Lang::Zh, name)).is_empty()
                    })
                    .map(|name| format!("{id}: {name}")),
            );
        }
        assert!(
            untranslated.is_empty(),
            "these stay English in Chinese; give their words term-… messages in both catalogues: {untranslated:#?}"
        );
    }

    /// Every id a dashboard shows as a label: counters, gauges, latencies, tables and their
    /// columns.
    fn labelled_ids(snapshot: &Snapshot) -> Vec<String> {
        let mut ids: Vec<String> = snapshot
            .counters
            .keys()
            .chain(snapshot.gauges.keys())
            .chain(snapshot.latency.keys())
            .chain(snapshot.tables.keys())
            .cloned()
            .collect();
        for table in snapshot.tables.values() {
            ids.extend(table.columns.iter().cloned());
        }
        ids
    }

    /// The English words left in a label: runs of two or more ASCII letters, except units and
    /// names that stay as they are in Chinese text.
    fn english_words(text: &str) -> Vec<String> {
        const KEPT: [&str; 7] = ["ms", "µs", "MB", "p50", "p99", "TIME", "WAIT"];
        text.split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|word| word.chars().filter(char::is_ascii_alphabetic).count() >= 2)
            .filter(|word| !KEPT.contains(word))
            .map(str::to_string)
            .collect()
    }
}
