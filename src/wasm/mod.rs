//! The wasm boundary: the only module that knows about JavaScript.
//!
//! One-way: every call that can produce events or output returns the connection's status
//! bits and leaves, behind the header at `headerPtr()`, the address and length of the bytes to
//! write and of the event records (`batch.rs`). JS reads them without calling back, so it never
//! polls: one crossing per call that does work, and `resume()` only when the status says
//! something is held.
//!
//! Bulk bytes never cross as `Vec<u8>` return values (each would allocate a fresh JS
//! ArrayBuffer); they stay in wasm memory that JS reads and writes through typed-array views
//! on `wasmMemory().buffer`. Options and handshake objects, which are rare, cross with
//! serde-wasm-bindgen (`args.rs` in, `records.rs` out). Errors cross as JS `Error`s with a
//! stable `code` (`WS_ERR_*`, one per kind: `error_codes.rs`).
//!
//! Copies per message:
//! - Receive, 3 copies: (1) JS copies the socket chunk into the connection's input buffer
//!   (`inputSpace` + `commitInput`); (2) the core moves the payload into the message buffer,
//!   fused with unmasking in one pass (a server must unmask anyway; a client's is a memcpy);
//!   (3) JS copies the message out into a fresh `Uint8Array`/`Buffer` for the application,
//!   which must outlive the next call. A fragmented message costs no extra copy: each
//!   fragment is unmasked straight onto the end of the message buffer.
//! - Send, unmasked and without extension (a server's usual case): the core writes only the
//!   2–10 byte header (`sendHeaderOnly`). A payload over 2 KiB then goes to the socket as is
//!   (0 copies, header + payload in one writev); a smaller one is copied once behind the
//!   header into one buffer, which costs less than a second chunk at that size
//!   (`js/wire.mjs` `MERGE_LIMIT`).
//! - Send otherwise, 3 copies: (1) JS copies the payload into the staging buffer
//!   (`stagingSpace`); (2) the core writes header + payload into the output buffer, fused
//!   with masking; (3) JS copies the output into a `Buffer` for the transport.
//!
//! Crossings per message (counted by `tests/node/wire-crossings.test.mjs`): receiving costs
//! `inputSpace` + `commitInput` per socket chunk, whatever it holds; sending costs
//! `sendHeaderOnly` (1) or `stagingSpace` + `sendMessage` (2); a prepared message (fan-out)
//! costs one of those for the first connection of its kind, then none for each further one
//! while the status has `MESSAGE_START` (`sendPrepared`, a check, only when it has not).

#[cfg(all(target_arch = "wasm32", feature = "stepped-allocator"))]
mod allocator;
mod args;
mod batch;
#[cfg(target_arch = "wasm32")]
pub mod browser;
pub mod constants;
mod error_codes;
mod extensions;
mod pmce;
mod records;

use wasm_bindgen::prelude::*;

use crate::config::Role;
use crate::connection::{Accept, Connection, SendError};
use crate::error::ProtocolError;
use crate::extensions::ExtensionChain;
use crate::frame::Opcode;
use crate::handshake::client::ClientRequest;
use args::{data_opcode, handshake_error, parse_config, parse_headers, parse_role, parse_seed, send_error, usage_error};
use records::{to_js, CloseInfo};

#[wasm_bindgen(js_name = Connection)]
pub struct WasmConnection {
    conn: Connection,
}

thread_local! {
    /// One staging buffer for every connection of this thread: JS fills it and sends from it
    /// in one go, so no connection needs its own (it would keep its largest message's size
    /// for as long as the connection lives).
    static STAGING: core::cell::RefCell<Vec<u8>> = const { core::cell::RefCell::new(Vec::new()) };
}

/// The wasm module's memory, for the JS layer's views (not named `memory`: that name is taken).
#[wasm_bindgen(js_name = wasmMemory)]
pub fn wasm_memory() -> JsValue {
    wasm_bindgen::memory()
}

/// Address of the call header (`batch.rs`): status, output, records. It never moves.
#[wasm_bindgen(js_name = headerPtr)]
pub fn header_ptr() -> usize {
    batch::header_ptr()
}

/// The crate version, to check that JS glue and wasm match.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

/// Test builds only (feature `test-trap`, never in the published package): panics, which aborts
/// the wasm instance (a `WebAssembly.RuntimeError` in JS), to test the trap policy of
/// js/trap.mjs end to end. The same build also panics in `sendPing` when the payload is
/// [`TEST_TRAP_PING`], so a test can make the trap happen inside a core call that js/wire.mjs
/// makes for a live connection, as a bug in the core would.
#[cfg(feature = "test-trap")]
#[wasm_bindgen(js_name = testTrap)]
#[allow(clippy::panic)]
pub fn test_trap() {
    panic!("testTrap: a deliberate panic (test-trap feature)");
}

/// The ping payload that traps in a `test-trap` build.
#[cfg(feature = "test-trap")]
pub const TEST_TRAP_PING: &[u8] = b"wasmsocket:test-trap";

/// Address of room for a `len`-byte payload to send; then call a send method with `len`.
#[wasm_bindgen(js_name = stagingSpace)]
pub fn staging_space(len: usize) -> usize {
    STAGING.with(|cell| {
        let mut staging = cell.borrow_mut();
        staging.clear();
        staging.resize(len, 0);
        staging.as_mut_ptr() as usize
    })
}

#[wasm_bindgen(js_class = Connection)]
impl WasmConnection {
    /// A connection starting with the opening handshake. `options` uses `Config`'s camelCase
    /// names; `seed` is 32 bytes from `crypto.getRandomValues`.
    #[wasm_bindgen(constructor)]
    pub fn new(role: &str, options: JsValue, seed: &[u8]) -> Result<WasmConnection, JsValue> {
        let conn = Connection::new(parse_role(role)?, parse_config(options)?, parse_seed(seed)?);
        Ok(WasmConnection { conn })
    }

    /// A connection already open (handshake done elsewhere, or benchmarks), no extensions.
    #[wasm_bindgen(js_name = newOpen)]
    pub fn new_open(role: &str, options: JsValue, seed: &[u8]) -> Result<WasmConnection, JsValue> {
        let conn = Connection::new_open(
            parse_role(role)?,
            parse_config(options)?,
            parse_seed(seed)?,
            ExtensionChain::default(),
        );
        Ok(WasmConnection { conn })
    }

    /// Runs one call with the thread's batch lent to the connection, then fills the header.
    /// The header is written whether the call succeeded or not (a refused call may still
    /// have queued output, e.g. the core's own 400 response).
    fn call<T>(&mut self, f: impl FnOnce(&mut Connection) -> Result<T, JsValue>) -> Result<u32, JsValue> {
        batch::lend(&mut self.conn);
        let result = f(&mut self.conn);
        let status = batch::collect(&mut self.conn);
        result.map(|_| status)
    }

    fn call_ok(&mut self, f: impl FnOnce(&mut Connection)) -> u32 {
        self.call(|conn| {
            f(conn);
            Ok(())
        })
        .unwrap_or_default()
    }

    // ----- input -----

    /// Address of room for `len` bytes in the input buffer. Views made before this call may
    /// be detached (memory can grow): make the view after it.
    #[wasm_bindgen(js_name = inputSpace)]
    pub fn input_space(&mut self, len: usize) -> usize {
        self.conn.input_space(len).as_mut_ptr() as usize
    }

    /// Processes `len` bytes written at `inputSpace`.
    #[wasm_bindgen(js_name = commitInput)]
    pub fn commit_input(&mut self, len: usize) -> u32 {
        self.call_ok(|conn| conn.commit_input(len))
    }

    #[wasm_bindgen(js_name = receiveEof)]
    pub fn receive_eof(&mut self) -> u32 {
        self.call_ok(Connection::receive_eof)
    }

    /// After handling a batch whose status had `HELD`: applies the close or failure held
    /// behind it.
    pub fn resume(&mut self) -> u32 {
        self.call_ok(Connection::resume)
    }

    // ----- handshake -----

    /// The extension factories to negotiate with, in order (see `extensions/mod.rs` for the
    /// entries). Call before `accept` (server) or `connect` (client).
    #[wasm_bindgen(js_name = setExtensions)]
    pub fn set_extensions(&mut self, specs: js_sys::Array) -> Result<(), JsValue> {
        match self.conn.role() {
            Role::Server => self.conn.set_server_extensions(extensions::server_factories(&specs)?),
            Role::Client => self.conn.set_client_extensions(extensions::client_factories(&specs)?),
        }
        Ok(())
    }

    /// Server: accept the pending request (`{subprotocol?, headers?: [[name, value]]}`).
    /// Frames pipelined behind the request come back as this call's events.
    pub fn accept(&mut self, accept: JsValue) -> Result<u32, JsValue> {
        let accept: Accept = if accept.is_undefined() || accept.is_null() {
            Accept::default()
        } else {
            serde_wasm_bindgen::from_value(accept).map_err(|e| usage_error(&format!("invalid accept: {e}")))?
        };
        self.call(|conn| conn.accept(&accept).map_err(handshake_error))
    }

    pub fn reject(&mut self, status: u16, reason: &str, headers: JsValue) -> Result<u32, JsValue> {
        let headers = parse_headers(headers)?;
        self.call(|conn| conn.reject(status, reason, &headers).map_err(handshake_error))
    }

    #[wasm_bindgen(js_name = respondHttp)]
    pub fn respond_http(&mut self, status: u16, headers: JsValue, body: &[u8]) -> Result<u32, JsValue> {
        let headers = parse_headers(headers)?;
        self.call(|conn| conn.respond_http(status, &headers, body).map_err(handshake_error))
    }

    /// Client: queue the opening request (`ClientRequest` fields in camelCase).
    pub fn connect(&mut self, request: JsValue) -> Result<u32, JsValue> {
        let request: ClientRequest =
            serde_wasm_bindgen::from_value(request).map_err(|e| usage_error(&format!("invalid request: {e}")))?;
        self.call(|conn| conn.connect(&request).map_err(handshake_error))
    }

    // ----- send -----

    /// Runs a send on the first `len` staged bytes without copying them out of the staging
    /// buffer (it is lent to the call and put back).
    fn send_staged(
        &mut self,
        len: usize,
        send: impl FnOnce(&mut Connection, &[u8]) -> Result<(), SendError>,
    ) -> Result<u32, JsValue> {
        let staging = STAGING.with(|cell| core::mem::take(&mut *cell.borrow_mut()));
        let result = self.call(|conn| match staging.get(..len) {
            Some(data) => send(conn, data).map_err(send_error),
            None => Err(usage_error("payload longer than the staging space")),
        });
        STAGING.with(|cell| *cell.borrow_mut() = staging);
        result
    }

    /// A message from the staging buffer; `doNotCompress` sends it uncompressed (autobahn's
    /// `doNotCompress`, ws's `compress: false`).
    #[wasm_bindgen(js_name = sendMessage)]
    pub fn send_message(&mut self, is_binary: bool, len: usize, do_not_compress: bool) -> Result<u32, JsValue> {
        if do_not_compress {
            self.conn.skip_next_message_transform();
        }
        self.send_staged(len, |conn, data| conn.send_message(is_binary, data))
    }

    /// One data frame (opcode 0, 1 or 2) from the staging buffer, for streaming.
    #[wasm_bindgen(js_name = sendFrame)]
    pub fn send_frame(&mut self, opcode: u8, fin: bool, len: usize, do_not_compress: bool) -> Result<u32, JsValue> {
        let opcode = data_opcode(opcode)?;
        if do_not_compress {
            self.conn.skip_next_message_transform();
        }
        self.send_staged(len, |conn, data| match opcode {
            Opcode::Text => conn.send_text(data, fin),
            Opcode::Binary => conn.send_binary(data, fin),
            _ => conn.send_continuation(data, fin),
        })
    }

    /// See [`Connection::shared_output_key`]; JS caches prepared frames under it.
    #[wasm_bindgen(js_name = sharedOutputKey)]
    pub fn shared_output_key(&self, do_not_compress: bool) -> Option<String> {
        self.conn.shared_output_key(do_not_compress)
    }

    /// A whole message another connection framed (same `sharedOutputKey`); JS writes its
    /// frames. `rsv`: the first frame's RSV bits.
    #[wasm_bindgen(js_name = sendPrepared)]
    pub fn send_prepared(&mut self, opcode: u8, rsv: u8) -> Result<u32, JsValue> {
        let opcode = data_opcode(opcode)?;
        self.call(|conn| conn.send_prepared(opcode, rsv).map_err(send_error))
    }

    /// Header of an unmasked, unextended data frame (status `HEADER_ONLY`); JS writes the
    /// payload after it.
    #[wasm_bindgen(js_name = sendHeaderOnly)]
    pub fn send_header_only(&mut self, opcode: u8, fin: bool, len: f64) -> Result<u32, JsValue> {
        let opcode = data_opcode(opcode)?;
        self.call(|conn| conn.send_header_only(opcode, fin, len as u64).map_err(send_error))
    }

    #[wasm_bindgen(js_name = sendPing)]
    pub fn send_ping(&mut self, data: &[u8]) -> Result<u32, JsValue> {
        #[cfg(feature = "test-trap")]
        if data == TEST_TRAP_PING {
            test_trap();
        }
        self.call(|conn| conn.send_ping(data).map_err(send_error))
    }

    #[wasm_bindgen(js_name = sendPong)]
    pub fn send_pong(&mut self, data: &[u8]) -> Result<u32, JsValue> {
        self.call(|conn| conn.send_pong(data).map_err(send_error))
    }

    #[wasm_bindgen(js_name = sendClose)]
    pub fn send_close(&mut self, code: Option<u16>, reason: &str) -> Result<u32, JsValue> {
        self.call(|conn| conn.send_close(code, reason).map_err(send_error))
    }

    /// Fails the connection from the I/O layer (e.g. 1011 after an internal error).
    pub fn fail(&mut self, code: u16, reason: &str) -> u32 {
        self.call_ok(|conn| conn.fail(ProtocolError::from_close_code(code, reason)))
    }

    // ----- what JS asks once per connection -----

    /// The status bits now (every call returns them; this is for a new connection).
    pub fn status(&self) -> u32 {
        constants::status_bits(&self.conn)
    }

    /// `{wasClean, sent?: {code, reason}, received?: {code, reason}, failure?: {code, reason, errorCode}}`
    #[wasm_bindgen(js_name = closeInfo)]
    pub fn close_info(&self) -> JsValue {
        to_js(&CloseInfo::of(&self.conn))
    }

    /// Close code received from the peer (1005 when its close had none), or 0.
    #[wasm_bindgen(js_name = closeReceivedCode)]
    pub fn close_received_code(&self) -> u16 {
        self.conn.close_received().map_or(0, |c| c.code)
    }

    #[wasm_bindgen(js_name = closeReceivedReason)]
    pub fn close_received_reason(&self) -> String {
        self.conn.close_received().map(|c| c.reason.clone()).unwrap_or_default()
    }

    /// The close code we failed the connection with, or 0.
    #[wasm_bindgen(js_name = failureCode)]
    pub fn failure_code(&self) -> u16 {
        self.conn.failure().map_or(0, ProtocolError::close_code)
    }

    #[wasm_bindgen(js_name = failureReason)]
    pub fn failure_reason(&self) -> String {
        self.conn.failure().map(|f| f.reason().to_owned()).unwrap_or_default()
    }

    pub fn subprotocol(&self) -> Option<String> {
        self.conn.subprotocol().map(str::to_owned)
    }

    /// Client, once open: applies autobahn's ResponseAccept (`accept`, its fields) to the
    /// negotiated compression `name`, checked against the server's response.
    #[wasm_bindgen(js_name = acceptResponse)]
    pub fn accept_response(&mut self, name: &str, accept: JsValue) -> Result<(), JsValue> {
        let fail = |m: &str| JsValue::from(JsError::new(m));
        let params = match self.conn.extensions().iter().find(|e| e.name == name) {
            Some(e) => e.params.clone(),
            None => return Err(fail(&format!("{name} was not negotiated"))),
        };
        let read = |e: serde_wasm_bindgen::Error| fail(&format!("invalid accept: {e}"));
        let tune = match name {
            crate::extensions::deflate::NAME => {
                let accept: crate::extensions::deflate::autobahn::ResponseAccept = serde_wasm_bindgen::from_value(accept).map_err(read)?;
                crate::extensions::deflate::autobahn::Response::parse(&params).and_then(|r| accept.tune(&r))
            }
            crate::extensions::bzip2::NAME => {
                let accept: crate::extensions::bzip2::autobahn::ResponseAccept = serde_wasm_bindgen::from_value(accept).map_err(read)?;
                crate::extensions::bzip2::autobahn::Response::parse(&params).and_then(|r| accept.tune(&r))
            }
            _ => return Err(fail(&format!("{name} has no ResponseAccept"))),
        };
        tune.and_then(|t| self.conn.tune_extension(name, &t)).map_err(|e| fail(&e.0))
    }

    /// The negotiated extensions, `[{name, params: [[name, value|null]]}]`.
    pub fn extensions(&self) -> JsValue {
        to_js(&self.conn.extensions())
    }
}
