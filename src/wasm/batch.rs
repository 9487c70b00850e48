//! What one core call hands to JavaScript, in one go: its events as fixed-size records and
//! the bytes it wants written, behind a small header at a fixed address.
//!
//! There is one batch per thread, shared by every connection. A call lends the batch's
//! buffers to its connection and takes them back at the end, so between calls a connection
//! holds no events and no output (an idle connection keeps neither its last message nor its
//! last reply). JS copies everything out before it makes its next core call, for any
//! connection; the next call then reuses the buffers.

use core::cell::RefCell;

use crate::connection::{Connection, Event};

use super::constants::{record, status, status_bits};

/// Words of the header at `headerPtr()`.
pub const HEADER_WORDS: usize = 5;
/// Words per event record: `[kind, flags, dataPtr, dataLen]`.
pub const RECORD_WORDS: usize = 4;

/// Header layout, in u32 words: what JS reads after every call.
pub mod header {
    pub const STATUS: usize = 0;
    pub const OUTPUT_PTR: usize = 1;
    pub const OUTPUT_LEN: usize = 2;
    pub const RECORDS_PTR: usize = 3;
    pub const EVENT_COUNT: usize = 4;
}

pub struct Batch {
    pub events: Vec<Event>,
    records: Vec<u32>,
    output: Vec<u8>,
    header: [u32; HEADER_WORDS],
}

thread_local! {
    static BATCH: RefCell<Batch> = const {
        RefCell::new(Batch { events: Vec::new(), records: Vec::new(), output: Vec::new(), header: [0; HEADER_WORDS] })
    };
}

/// The header's address; it never moves (thread-local storage of the only thread).
pub fn header_ptr() -> usize {
    BATCH.with(|batch| batch.borrow().header.as_ptr() as usize)
}

/// Lends the batch's (cleared) buffers to `conn` for the call that follows. The last batch
/// is dropped here: JS copied it out already.
pub fn lend(conn: &mut Connection) {
    BATCH.with(|batch| {
        let mut batch = batch.borrow_mut();
        let batch = &mut *batch;
        batch.records.clear();
        conn.swap_events(&mut batch.events);
        conn.swap_output(&mut batch.output);
    });
}

/// Takes the call's events and output back from `conn` and writes the header: the status
/// (`status_bits` plus `OUTPUT` and `EVENTS`), the output's address and length, the records'
/// address and count. Returns the status.
pub fn collect(conn: &mut Connection) -> u32 {
    BATCH.with(|batch| {
        let mut batch = batch.borrow_mut();
        let batch = &mut *batch;
        conn.swap_events(&mut batch.events);
        conn.swap_output(&mut batch.output);
        for event in &batch.events {
            batch.records.extend_from_slice(&record(event));
        }
        let mut status = status_bits(conn);
        if !batch.output.is_empty() {
            status |= status::OUTPUT;
        }
        if !batch.events.is_empty() {
            status |= status::EVENTS;
        }
        batch.header = [
            status,
            batch.output.as_ptr() as u32,
            batch.output.len() as u32,
            batch.records.as_ptr() as u32,
            batch.events.len() as u32,
        ];
        status
    })
}

/// Runs `f` on the `index`-th event of the current batch.
pub fn with_event<R>(index: usize, f: impl FnOnce(Option<&Event>) -> R) -> R {
    BATCH.with(|batch| f(batch.borrow().events.get(index)))
}
