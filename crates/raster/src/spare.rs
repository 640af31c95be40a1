//! Spare buffers, kept by whoever finishes with one for the next to reuse, whatever the thread:
//! a band's accumulators, outputs and the flags of the cells its quick loops leave
//! (rastagg-core), the window the pipeline reads a band's input into, the tiles the writer
//! cuts and compresses and the tile rows it assembles.
//!
//! These are hundreds of KiB to megabytes each. glibc's allocator keeps such blocks in its heap
//! once freed; musl's maps fresh pages for every one, and the page faults and zeroing cost the
//! static binary 0.6 s of system time on the 21600 × 10800 benchmark. Reusing them makes both
//! behave like glibc. One pool for all threads, of at most [`SPARE_MAX`] buffers (what two
//! bands in flight use), so memory stays within what the band planner budgets.

use std::any::Any;
use std::sync::{Mutex, MutexGuard};

/// Most buffers kept.
pub const SPARE_MAX: usize = 64;

static SPARE: Mutex<Vec<Box<dyn Any + Send>>> = Mutex::new(Vec::new());

/// The pool (still usable if a thread panicked while holding it: it holds only buffers).
fn pool() -> MutexGuard<'static, Vec<Box<dyn Any + Send>>> {
    SPARE.lock().unwrap_or_else(|p| p.into_inner())
}

/// An empty vector with room for `n` values: the smallest kept one of its type that large,
/// else a new one (`None` instead of an allocation failure).
pub fn with_capacity<V: Send + 'static>(n: usize) -> Option<Vec<V>> {
    let mut v = take(n)?;
    v.clear();
    Some(v)
}

/// A vector of `n` values for a caller that overwrites them all: a kept one keeps the values
/// it had (only what it lacks is zeroed), which spares writing megabytes of zeros first.
pub fn overwritable<V: bytemuck::Pod + Send>(n: usize) -> Option<Vec<V>> {
    let mut v = take(n)?;
    v.resize(n, V::zeroed());
    Some(v)
}

/// The smallest kept vector of type `V` with room for `n` values, as it was given back, else
/// a new empty one with that room.
fn take<V: Send + 'static>(n: usize) -> Option<Vec<V>> {
    if n > 0 {
        let kept = {
            let mut spare = pool();
            let k = spare
                .iter()
                .enumerate()
                .filter_map(|(k, b)| Some((k, b.downcast_ref::<Vec<V>>()?.capacity())))
                .filter(|&(_, cap)| cap >= n)
                .min_by_key(|&(_, cap)| cap)
                .map(|(k, _)| k);
            k.and_then(|k| spare.swap_remove(k).downcast::<Vec<V>>().ok())
        };
        if let Some(v) = kept {
            return Some(*v);
        }
    }
    let mut out = Vec::new();
    out.try_reserve_exact(n).ok()?;
    Some(out)
}

/// Keeps `v`'s allocation for a later [`with_capacity`] (dropped when [`SPARE_MAX`] are
/// kept already).
pub fn give_back<V: Send + 'static>(v: Vec<V>) {
    if v.capacity() == 0 {
        return;
    }
    let mut spare = pool();
    if spare.len() < SPARE_MAX {
        spare.push(Box::new(v));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A type no other test keeps, since the pool is shared by every test thread.
    #[derive(Clone, Copy)]
    struct Marker;

    #[test]
    fn buffers_are_reused_by_type_and_size() {
        let v: Vec<(Marker, u64)> = Vec::with_capacity(1000);
        let at = v.as_ptr();
        give_back(v);
        // Wrong type or too small: a new vector.
        assert!(with_capacity::<(Marker, f64)>(10).unwrap().capacity() < 1000);
        assert!(with_capacity::<(Marker, u64)>(2000).unwrap().capacity() >= 2000);
        let again = with_capacity::<(Marker, u64)>(500).unwrap();
        assert_eq!((again.as_ptr(), again.len()), (at, 0));
        assert_eq!(with_capacity::<(Marker, u64)>(0).unwrap().capacity(), 0);
    }

    /// A kept buffer comes back with its values, extended with zeros to the length asked.
    #[test]
    fn overwritable_buffers_keep_their_values() {
        // A type no other test keeps, since the pool is shared by every test thread.
        let mut v: Vec<[u16; 3]> = vec![[7, 7, 7]; 4];
        v.truncate(2);
        give_back(v);
        let again = overwritable::<[u16; 3]>(3).unwrap();
        assert_eq!(again, [[7, 7, 7], [7, 7, 7], [0, 0, 0]]);
        assert_eq!(
            overwritable::<[u16; 3]>(2).unwrap(),
            [[0, 0, 0]; 2],
            "a new one"
        );
    }
}
