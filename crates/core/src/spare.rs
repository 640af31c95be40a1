//! Buffers of finished bands, kept on their thread for the next band to reuse.
//!
//! A band's accumulators and output buffers are megabytes each. glibc's allocator keeps such
//! blocks in its heap once freed; musl's maps fresh pages for every one, and the page faults
//! and zeroing cost the static binary 0.6 s of system time on the 21600 × 10800 benchmark.
//! Keeping the last band's buffers per thread makes both behave like glibc. At most
//! [`SPARE_MAX`] buffers are kept per thread (one band's worth), so memory stays bounded by
//! what the band planner budgets for a worker.

use std::any::Any;
use std::cell::RefCell;

/// Most buffers kept per thread.
const SPARE_MAX: usize = 32;

thread_local! {
    static SPARE: RefCell<Vec<Box<dyn Any>>> = const { RefCell::new(Vec::new()) };
}

/// An empty vector with room for `n` values: a kept one when this thread has one that large,
/// else a new one (an error instead of an allocation failure).
pub(crate) fn with_capacity<V: 'static>(n: usize) -> Option<Vec<V>> {
    if n > 0 {
        let kept = SPARE.with_borrow_mut(|spare| {
            let k = spare.iter().position(|b| {
                b.downcast_ref::<Vec<V>>()
                    .is_some_and(|v| v.capacity() >= n)
            })?;
            spare.swap_remove(k).downcast::<Vec<V>>().ok()
        });
        if let Some(mut v) = kept {
            v.clear();
            return Some(*v);
        }
    }
    let mut out = Vec::new();
    out.try_reserve_exact(n).ok()?;
    Some(out)
}

/// Keeps `v`'s allocation for a later [`with_capacity`] on this thread (dropped when this
/// thread already keeps [`SPARE_MAX`]).
pub(crate) fn give_back<V: 'static>(v: Vec<V>) {
    if v.capacity() == 0 {
        return;
    }
    SPARE.with_borrow_mut(|spare| {
        if spare.len() < SPARE_MAX {
            spare.push(Box::new(v));
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_are_reused_by_type_and_size() {
        let v: Vec<u64> = Vec::with_capacity(1000);
        let at = v.as_ptr();
        give_back(v);
        // Wrong type or too small: a new vector.
        assert!(with_capacity::<f64>(10).unwrap().capacity() < 1000);
        assert!(with_capacity::<u64>(2000).unwrap().capacity() >= 2000);
        let again = with_capacity::<u64>(500).unwrap();
        assert_eq!((again.as_ptr(), again.len()), (at, 0));
        assert!(with_capacity::<u64>(0).unwrap().capacity() == 0);
    }
}
