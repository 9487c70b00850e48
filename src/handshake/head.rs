//! STUB
/// Finds the end of an HTTP head in a growing buffer in linear total time.
#[derive(Clone, Debug)]
pub struct HeadScanner {
    pub max_bytes: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HeadTooLarge;

impl HeadScanner {
    pub fn new(max_bytes: usize) -> Self {
        HeadScanner { max_bytes }
    }
    /// `buf` is everything received so far (it only grows between calls). Returns the head's
    /// length including the final CRLFCRLF once complete.
    pub fn scan(&mut self, _buf: &[u8]) -> Result<Option<usize>, HeadTooLarge> {
        todo!()
    }
}
