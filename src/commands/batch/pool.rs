//! A bounded pool of scoped threads for a batch: at most N items in flight, results handed back
//! to the calling thread as they arrive (so only that thread draws progress or touches stderr),
//! and a panic confined to the item that caused it.

use std::sync::atomic::{AtomicUsize, Ordering};

/// Run `work` over `items` on at most `threads` threads, handing each result to `done` on the
/// calling thread as it arrives. A panic in one item (a bug) gives that item `None`; the other
/// items go on.
pub fn pool<T: Sync, R: Send>(
    threads: usize,
    items: &[T],
    work: impl Fn(&T) -> R + Sync,
    mut done: impl FnMut(usize, Option<R>),
) {
    let next = AtomicUsize::new(0);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::scope(|s| {
        for _ in 0..threads.clamp(1, items.len().max(1)) {
            let (tx, next, work) = (tx.clone(), &next, &work);
            // Deeply nested inputs recurse in the parsers: the main thread's stack size, not
            // the smaller default of spawned threads.
            let spawned = std::thread::Builder::new()
                .stack_size(8 << 20)
                .spawn_scoped(s, move || loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(item)));
                    if tx.send((i, r.ok())).is_err() {
                        break;
                    }
                });
            if spawned.is_err() {
                // No thread for this slot: the ones already running take its share.
                break;
            }
        }
        drop(tx);
        for (i, r) in rx {
            done(i, r);
        }
    });
    // Items no thread could take (not even one thread started) are run here.
    loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        let Some(item) = items.get(i) else { break };
        done(i, Some(work(item)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::time::Duration;

    #[test]
    fn at_most_n_items_run_at_once_and_every_item_is_handed_back() {
        let (running, peak) = (AtomicUsize::new(0), AtomicUsize::new(0));
        let items: Vec<usize> = (0..40).collect();
        let mut seen = vec![false; items.len()];
        pool(
            3,
            &items,
            |&i| {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(2));
                running.fetch_sub(1, Ordering::SeqCst);
                i * 2
            },
            |i, r| {
                assert_eq!(r, Some(i * 2));
                seen[i] = true;
            },
        );
        assert!(seen.iter().all(|s| *s));
        let peak = peak.load(Ordering::SeqCst);
        assert!((2..=3).contains(&peak), "{peak} items ran at once");
    }

    #[test]
    fn a_panicking_item_does_not_stop_the_others() {
        let items: Vec<usize> = (0..10).collect();
        let mut results = vec![None; items.len()];
        pool(
            4,
            &items,
            |&i| if i == 3 { panic!("item 3") } else { i },
            |i, r| results[i] = Some(r),
        );
        for (i, r) in results.iter().enumerate() {
            let expected = if i == 3 { None } else { Some(i) };
            assert_eq!(*r, Some(expected), "item {i}");
        }
    }
}
