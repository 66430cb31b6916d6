//! The allocator while diagrams are drawn.
//!
//! The binary allocates with mimalloc, which keeps freed memory for a second (its `purge_delay`)
//! before it gives it back to the system, in case it is asked for again. Drawing a diagram
//! allocates and frees a great deal; held back that long, the freed memory piles up beside the
//! rendered bodies, and a build that draws all 2,500 diagrams of the 10,000-document benchmark
//! peaked about 35 MiB above one that took them from the cache (over 400 MiB). So once a build
//! has a diagram to draw, freed memory goes back after 10 ms instead: a build that draws all
//! 2,500 takes about 0.4 s longer (5.5 → 5.9 s) and peaks at about 370 MiB; a build whose
//! diagrams are all cached is unchanged. (At 0 ms: 366 MiB, but 0.7 s longer.)

// mimalloc's options are reachable only through its C functions.
#![allow(unsafe_code)]

use std::ffi::c_long;
use std::sync::Once;

use libmimalloc_sys as mi;

/// `mi_option_purge_delay` in the enum of mimalloc's `mimalloc.h` (version 3), which the
/// bindings do not name.
const PURGE_DELAY: mi::mi_option_t = 15;
/// Its default, in milliseconds. Seen before the option is changed, it shows the index is still
/// the purge delay's.
const DEFAULT_PURGE_DELAY: c_long = 1000;

/// The delay once diagrams are drawn, in milliseconds.
const DRAWING_PURGE_DELAY: c_long = 10;

/// From now on, give freed memory back to the system within [`DRAWING_PURGE_DELAY`]. Leaves the
/// delay alone when it is not mimalloc's default: set with `MIMALLOC_PURGE_DELAY`, or a mimalloc
/// that numbers its options differently.
pub fn purge_promptly() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // SAFETY: reading and setting an option have no preconditions; mimalloc reads the delay
        // each time it considers a purge.
        unsafe {
            if mi::mi_option_get(PURGE_DELAY) == DEFAULT_PURGE_DELAY {
                mi::mi_option_set(PURGE_DELAY, DRAWING_PURGE_DELAY);
            }
        }
    });
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_purge_delay_option_is_where_we_expect_it() {
        // A mimalloc update that renumbers its options must not make us change another one.
        let delay = unsafe { libmimalloc_sys::mi_option_get(super::PURGE_DELAY) };
        assert!(
            delay == super::DEFAULT_PURGE_DELAY
                || std::env::var_os("MIMALLOC_PURGE_DELAY").is_some(),
            "option {} is {delay}, not the purge delay's default",
            super::PURGE_DELAY
        );
    }
}
