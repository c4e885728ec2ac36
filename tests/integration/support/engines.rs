//! One scenario, a test for each engine: a scenario is written once, as a
//! function of the engine, and `per_engine!` gives every engine it runs on
//! a test of its own, so each can be run, listed and ignored by itself.

/// `per_engine!(scenario, "project": dynamodb_local, ministack, embedded)`
/// makes a module `scenario` with one test per engine named, each calling
/// `super::scenario(engine, project)`, where `engine` is the engine's
/// manifest name and `project` the given name with a suffix per engine
/// (`-ddb`, `-ms`, `-emb`). The container engines' tests connect to the
/// Docker daemon first and are ignored unless asked for, with the reason
/// `needs a Docker daemon` or the one given after the project name; the
/// embedded engine's test always runs.
macro_rules! per_engine {
    ($scenario:ident, $project:literal: $($engine:ident),+ $(,)?) => {
        $crate::support::engines::per_engine!(
            $scenario, $project, "needs a Docker daemon": $($engine),+
        );
    };
    ($scenario:ident, $project:literal, $reason:literal: $($engine:ident),+ $(,)?) => {
        mod $scenario {
            $(
                $crate::support::engines::per_engine!(@test $scenario, $project, $reason, $engine);
            )+
        }
    };
    (@test $scenario:ident, $project:literal, $reason:literal, dynamodb_local) => {
        $crate::support::engines::per_engine!(
            @container $scenario, $project, $reason, dynamodb_local, "dynamodb-local", "-ddb"
        );
    };
    (@test $scenario:ident, $project:literal, $reason:literal, ministack) => {
        $crate::support::engines::per_engine!(
            @container $scenario, $project, $reason, ministack, "ministack", "-ms"
        );
    };
    (@container $scenario:ident, $project:literal, $reason:literal, $test:ident,
     $engine:literal, $suffix:literal) => {
        #[test]
        #[ignore = $reason]
        fn $test() {
            let _docker = $crate::support::docker();
            super::$scenario($engine, concat!($project, $suffix));
        }
    };
    (@test $scenario:ident, $project:literal, $reason:literal, embedded) => {
        #[test]
        fn embedded() {
            super::$scenario("embedded", concat!($project, "-emb"));
        }
    };
}

pub(crate) use per_engine;
