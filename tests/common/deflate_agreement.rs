//! The deflate agreement the window tests use: one window for both directions.

use wasmsocket::extensions::deflate::Agreement;

/// Both sides at window `bits`, with or without context takeover.
pub fn agreement(bits: u8, takeover: bool) -> Agreement {
    Agreement {
        server_no_context_takeover: !takeover,
        client_no_context_takeover: !takeover,
        server_max_window_bits: Some(bits),
        client_max_window_bits: Some(bits),
    }
}
