//! The wasm build's memory allocator: std's own (dlmalloc), but growing linear memory in steps
//! of up to 4 MiB instead of only the pages each allocation needs.
//!
//! Why: every `memory.grow` gives JS a new `ArrayBuffer` for the whole memory, and V8 counts
//! that as fresh external memory, which starts a garbage collection. Grown a page or two at a
//! time, a server taking many connections (~66 KiB of deflate state each) grew once per
//! connection and spent 58% of its CPU collecting (bench/deflate.mjs --scaling: 1,000
//! connections 4.2 ms each, 4,000 connections 8.1 ms each; ws 1.5 ms flat). Growing by an
//! eighth of the memory (at least 1 MiB, at most 4 MiB beyond the request) makes the number of
//! grows logarithmic up to 32 MiB and then one per 4 MiB. The step is bounded, so no single
//! burst grows memory by more than what it asked for plus 4 MiB; pages grown but not yet used
//! are untouched, so they cost no resident memory.

use core::alloc::{GlobalAlloc, Layout};
use core::arch::wasm32;
use core::cell::UnsafeCell;
use core::ptr;
use dlmalloc::{Allocator, Dlmalloc};

const PAGE: usize = 64 * 1024;
const MIN_STEP: usize = 1024 * 1024;
const MAX_STEP: usize = 4 * 1024 * 1024;

/// Where dlmalloc gets its memory from: `memory.grow` on memory 0, in bounded steps.
struct SteppedGrowth;

// SAFETY: the regions returned are fresh pages at the end of linear memory, which nothing else
// uses (wasm-bindgen and std allocate only through the global allocator), zeroed by `memory.grow`.
unsafe impl Allocator for SteppedGrowth {
    fn alloc(&self, size: usize) -> (*mut u8, usize, u32) {
        let current = wasm32::memory_size(0) * PAGE;
        let step = (current / 8).clamp(MIN_STEP, MAX_STEP);
        let wanted = size.div_ceil(PAGE);
        // The step if memory allows it, else exactly what was asked for.
        for pages in [wanted.max(step / PAGE), wanted] {
            let previous = wasm32::memory_grow(0, pages);
            if previous != usize::MAX {
                return ((previous * PAGE) as *mut u8, pages * PAGE, 0);
            }
        }
        (ptr::null_mut(), 0, 0)
    }
    fn remap(&self, _ptr: *mut u8, _old: usize, _new: usize, _can_move: bool) -> *mut u8 {
        ptr::null_mut()
    }
    fn free_part(&self, _ptr: *mut u8, _old: usize, _new: usize) -> bool {
        false
    }
    fn free(&self, _ptr: *mut u8, _size: usize) -> bool {
        false
    }
    fn can_release_part(&self, _flags: u32) -> bool {
        false
    }
    fn allocates_zeros(&self) -> bool {
        true
    }
    fn page_size(&self) -> usize {
        PAGE
    }
}

struct SteppedDlmalloc(UnsafeCell<Dlmalloc<SteppedGrowth>>);

// SAFETY: this build has no threads (wasm32-unknown-unknown without the atomics feature), so
// the allocator is never entered from two places at once; std's own wasm allocator relies on
// the same fact.
unsafe impl Sync for SteppedDlmalloc {}

// SAFETY (all four): dlmalloc's contract is GlobalAlloc's; access is single-threaded (above).
unsafe impl GlobalAlloc for SteppedDlmalloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        (*self.0.get()).malloc(layout.size(), layout.align())
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        (*self.0.get()).calloc(layout.size(), layout.align())
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        (*self.0.get()).free(ptr, layout.size(), layout.align())
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        (*self.0.get()).realloc(ptr, layout.size(), layout.align(), new_size)
    }
}

#[global_allocator]
static ALLOCATOR: SteppedDlmalloc = SteppedDlmalloc(UnsafeCell::new(Dlmalloc::new_with_allocator(SteppedGrowth)));
