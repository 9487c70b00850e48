//! STUB (being written)
pub struct Connection;
pub enum Event {}
pub enum State {}
