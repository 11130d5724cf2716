use super::*;

fn layout(series_sizes: &[i32]) -> StudyLayout {
    crate::dicomweb::synthetic::study_layout(series_sizes)
}

fn focus(series: usize, instance: usize, direction: Direction) -> Focus {
    Focus {
        series,
        instance,
        direction,
    }
}

fn drain(queue: &mut RetrievalQueue) -> Vec<FetchUnit> {
    std::iter::from_fn(|| queue.next_unit()).collect()
}

fn instances(units: &[FetchUnit]) -> Vec<usize> {
    units
        .iter()
        .filter_map(|unit| match unit {
            FetchUnit::Instance(_, i) => Some(*i),
            FetchUnit::Series(_) => None,
        })
        .collect()
}

#[test]
fn the_series_on_screen_goes_first_whole_then_the_others() {
    let layout = layout(&[3, 20, 5]);
    let mut queue = RetrievalQueue::new(&layout, focus(1, 10, Direction::Forward));
    assert_eq!(queue.first_shown(), Some((1, 10)));
    assert_eq!(
        drain(&mut queue),
        vec![
            FetchUnit::Series(1),
            FetchUnit::Series(0),
            FetchUnit::Series(2)
        ]
    );
    assert!(queue.is_empty());
}

#[test]
fn a_series_that_cannot_go_whole_goes_from_the_focus_outward_favouring_the_scroll_direction() {
    let layout = layout(&[3, 20, 5]);
    let mut queue = RetrievalQueue::new(&layout, focus(1, 10, Direction::Forward));
    assert_eq!(queue.next_unit(), Some(FetchUnit::Series(1)));
    queue.reopen(1);
    let units = drain(&mut queue);
    assert_eq!(
        instances(&units[..7]),
        vec![10, 11, 12, 9, 13, 14, 8],
        "two ahead for each one behind"
    );
    assert_eq!(units.len(), 22, "20 instances and two series requests");
    assert_eq!(&units[20..], &[FetchUnit::Series(0), FetchUnit::Series(2)]);
    assert!(queue.is_empty());
}

#[test]
fn scrolling_backwards_or_standing_still_changes_the_order_of_a_series_taken_singly() {
    let layout = layout(&[20]);
    let mut queue = RetrievalQueue::new(&layout, focus(0, 10, Direction::Backward));
    assert_eq!(queue.next_unit(), Some(FetchUnit::Series(0)));
    queue.reopen(0);
    assert_eq!(instances(&drain(&mut queue)[..5]), vec![10, 9, 8, 11, 7]);
    let mut queue = RetrievalQueue::new(&layout, focus(0, 10, Direction::Still));
    assert_eq!(queue.next_unit(), Some(FetchUnit::Series(0)));
    queue.reopen(0);
    assert_eq!(instances(&drain(&mut queue)[..5]), vec![10, 11, 9, 12, 8]);
}

#[test]
fn every_instance_leaves_the_queue_once_even_when_the_focus_moves_about() {
    let layout = layout(&[30, 12, 7]);
    let mut queue = RetrievalQueue::new(&layout, focus(0, 0, Direction::Forward));
    let mut taken = Vec::new();
    let mut step = 0usize;
    while let Some(unit) = queue.next_unit() {
        step += 1;
        if let FetchUnit::Series(series) = unit {
            if step.is_multiple_of(2) {
                // Some of it turned out to be held already: it goes singly after all.
                queue.reopen(series);
                continue;
            }
        }
        taken.push(unit);
        if step.is_multiple_of(5) {
            // The clinician jumps between series and scrolls both ways.
            let direction = if step.is_multiple_of(10) {
                Direction::Backward
            } else {
                Direction::Forward
            };
            queue.focus(focus(step % 2, (step * 7) % 40, direction));
        }
    }
    let mut singles: Vec<(usize, usize)> = taken
        .iter()
        .filter_map(|unit| match unit {
            FetchUnit::Instance(s, i) => Some((*s, *i)),
            FetchUnit::Series(_) => None,
        })
        .collect();
    let whole: Vec<usize> = taken
        .iter()
        .filter_map(|unit| match unit {
            FetchUnit::Series(s) => Some(*s),
            FetchUnit::Instance(..) => None,
        })
        .collect();
    let count = singles.len();
    singles.sort_unstable();
    singles.dedup();
    assert_eq!(singles.len(), count, "an instance was taken twice");
    for series in &whole {
        assert!(
            singles.iter().all(|(s, _)| s != series),
            "series {series} went whole after some of it went singly"
        );
    }
    let covered: usize = [30, 12, 7]
        .iter()
        .enumerate()
        .map(|(s, n)| {
            if whole.contains(&s) {
                *n
            } else {
                singles.iter().filter(|(t, _)| *t == s).count()
            }
        })
        .sum();
    assert_eq!(covered, 49, "every instance is fetched");
}

#[test]
fn a_new_focus_brings_its_series_next_and_a_started_series_is_not_taken_again() {
    let layout = layout(&[10, 10, 10]);
    let mut queue = RetrievalQueue::new(&layout, focus(0, 0, Direction::Forward));
    assert_eq!(queue.next_unit(), Some(FetchUnit::Series(0)));
    queue.focus(focus(2, 6, Direction::Forward));
    assert_eq!(queue.next_unit(), Some(FetchUnit::Series(2)));
    queue.focus(focus(0, 3, Direction::Forward));
    assert_eq!(
        queue.next_unit(),
        Some(FetchUnit::Series(1)),
        "series 0 is already on its way whole; the rest goes on"
    );
    assert_eq!(queue.next_unit(), None);
}

#[test]
fn what_was_set_aside_comes_last_and_a_focus_past_the_end_is_clamped() {
    let layout = layout(&[4]);
    let mut queue = RetrievalQueue::new(&layout, focus(0, 99, Direction::Forward));
    assert_eq!(queue.first_shown(), Some((0, 3)), "clamped");
    assert_eq!(queue.next_unit(), Some(FetchUnit::Series(0)));
    queue.reopen(0);
    assert_eq!(queue.next_unit(), Some(FetchUnit::Instance(0, 3)));
    queue.defer(0, 3);
    assert_eq!(instances(&drain(&mut queue)), vec![2, 1, 0, 3]);
    queue.focus(focus(7, 0, Direction::Forward));
    assert_eq!(
        queue.current_focus().series,
        0,
        "an unknown series is ignored"
    );
}
