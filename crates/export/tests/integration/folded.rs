//! Folded stacks.

use pprof_export::{folded, folded_diff, Error, FoldedOptions, Granularity, StackOptions};

use crate::fixtures::{cpu, Builder};

fn opts(index: usize) -> FoldedOptions {
    FoldedOptions {
        stacks: StackOptions {
            sample_index: index,
            ..Default::default()
        },
        two_columns: None,
    }
}

#[test]
fn one_line_per_stack_root_first() {
    let out = folded(&cpu(), &opts(1)).unwrap();
    assert_eq!(
        out,
        "main.main;main.run;main.fib 1000\n\
         main.main;main.run;main.fib;main.fib 4000\n\
         main.main;main.run;main.work 2000\n\
         main.main;main.run;main.work;main.mix 3000\n"
    );
    // Every line splits back into frames and a count that add up to the total.
    let total: i64 = out
        .lines()
        .map(|l| l.rsplit_once(' ').unwrap().1.parse::<i64>().unwrap())
        .sum();
    assert_eq!(total, 10000);
}

#[test]
fn without_inline_frames_the_outer_function_stays() {
    let mut o = opts(0);
    o.stacks.inline_frames = false;
    let out = folded(&cpu(), &o).unwrap();
    assert!(out.contains("main.main;main.run;main.work 50\n"), "{out}");
    assert!(!out.contains("main.mix"));
}

#[test]
fn line_granularity_names_file_and_line() {
    let mut o = opts(0);
    o.stacks.granularity = Granularity::Lines;
    let out = folded(&cpu(), &o).unwrap();
    assert!(
        out.contains(
            "main.main src/demo.go:10;main.run src/demo.go:20;main.work src/demo.go:30;main.mix src/demo.go:31 30\n"
        ),
        "{out}"
    );
}

#[test]
fn mean_divides_by_the_count() {
    let mut o = opts(1);
    o.stacks.mean_divisor = Some(0);
    let out = folded(&cpu(), &o).unwrap();
    // Every sample of the fixture costs 100 ns per count.
    assert!(out.lines().all(|l| l.ends_with(" 100")), "{out}");
}

#[test]
fn unsymbolized_frames_show_their_address() {
    let mut b = Builder::new(&[("samples", "count")]);
    let raw = b.raw_loc(0x4b2d75);
    let main = b.loc(0x1000, &[("main;odd\nname", 1)]);
    b.sample(&[raw, main], &[3]);
    let out = folded(b.p(), &opts(0)).unwrap();
    assert_eq!(out, "main:odd name;0x4b2d75 3\n");
}

#[test]
fn diff_against_a_base_has_two_columns() {
    let new = cpu();
    let mut b = Builder::new(&[("samples", "count"), ("cpu", "nanoseconds")]);
    let main = b.loc(0x1100, &[("main.main", 10)]);
    let run = b.loc(0x1200, &[("main.run", 20)]);
    let fib = b.loc(0x1400, &[("main.fib", 40)]);
    b.sample(&[fib, run, main], &[70, 7000]);
    let out = folded_diff(&new, b.p(), &opts(0)).unwrap();
    assert!(out.contains("main.main;main.run;main.fib 70 10\n"), "{out}");
    assert!(out.contains("main.main;main.run;main.work 0 20\n"), "{out}");
}

#[test]
fn base_labelled_samples_switch_to_two_columns() {
    let mut b = Builder::new(&[("samples", "count")]);
    let main = b.loc(0x1100, &[("main.main", 10)]);
    b.sample(&[main], &[5]);
    b.labelled(&[main], &[-2], &[("pprof::base", "true")]);
    let out = folded(b.p(), &opts(0)).unwrap();
    assert_eq!(out, "main.main 2 5\n");
    let mut one = opts(0);
    one.two_columns = Some(false);
    assert_eq!(folded(b.p(), &one).unwrap(), "main.main 3\n");
}

#[test]
fn empty_profile_and_bad_index() {
    let b = Builder::new(&[("samples", "count")]);
    assert_eq!(folded(b.p(), &opts(0)).unwrap(), "");
    assert!(matches!(
        folded(&cpu(), &opts(2)),
        Err(Error::SampleIndex { index: 2, count: 2 })
    ));
}
