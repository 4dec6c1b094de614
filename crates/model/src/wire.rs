//! Minimal protobuf wire-format reader and writer used by the fast decoder
//! and encoder.

use crate::error::{DecodeError, DecodeErrorKind};

pub(crate) const VARINT: u8 = 0;
pub(crate) const FIXED64: u8 = 1;
pub(crate) const LEN: u8 = 2;
pub(crate) const FIXED32: u8 = 5;

/// A cursor over a protobuf message.
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    /// Offset of `buf[0]` in the whole input, for error messages.
    base: usize,
    pub(crate) field: &'static str,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a [u8], base: usize, field: &'static str) -> Self {
        Reader {
            buf,
            pos: 0,
            base,
            field,
        }
    }

    pub(crate) fn offset(&self) -> usize {
        self.base + self.pos
    }

    #[cold]
    pub(crate) fn err(&self, kind: DecodeErrorKind) -> DecodeError {
        DecodeError {
            kind,
            field: self.field,
            offset: self.offset(),
        }
    }

    pub(crate) fn at_end(&self) -> bool {
        self.pos >= self.buf.len()
    }

    /// Reads a varint. The common cases (a varint that ends within the
    /// next eight bytes) are inlined where it is called; the rest, errors
    /// included, is out of line.
    #[inline(always)]
    pub(crate) fn varint(&mut self) -> Result<u64, DecodeError> {
        let (buf, pos) = (self.buf, self.pos);
        if let Some(&b) = buf.get(pos) {
            if b < 0x80 {
                self.pos = pos + 1;
                return Ok(b as u64);
            }
        }
        if let Some(word) = buf.get(pos..pos + 8) {
            let word = u64::from_le_bytes(word.try_into().unwrap_or_default());
            if let Some((v, len)) = varint_in_word(word) {
                self.pos = pos + len;
                return Ok(v);
            }
        }
        self.varint_bytewise()
    }

    /// A varint read byte by byte: near the end of the buffer (the end of
    /// a small message), or one longer than eight bytes.
    #[cold]
    #[inline(never)]
    fn varint_bytewise(&mut self) -> Result<u64, DecodeError> {
        let buf = self.buf;
        let mut pos = self.pos;
        let mut result: u64 = 0;
        let mut shift = 0u32;
        loop {
            let Some(&b) = buf.get(pos) else {
                return Err(self.err(DecodeErrorKind::Truncated));
            };
            pos += 1;
            // As pprof's decoder: the tenth byte must end the varint, and
            // whatever of it lies beyond 64 bits is dropped.
            result |= ((b & 0x7f) as u64) << shift;
            if b < 0x80 {
                self.pos = pos;
                return Ok(result);
            }
            shift += 7;
            if shift > 63 {
                return Err(self.err(DecodeErrorKind::VarintOverflow));
            }
        }
    }

    /// Reads a field key; returns (field number, wire type).
    ///
    /// pprof skips every field its tables do not know, field number 0
    /// included; a number past `u32::MAX` comes back as `u32::MAX`, which
    /// no message defines either.
    #[inline(always)]
    pub(crate) fn key(&mut self) -> Result<(u32, u8), DecodeError> {
        let k = self.varint()?;
        let wt = (k & 7) as u8;
        let field = u32::try_from(k >> 3).unwrap_or(u32::MAX);
        Ok((field, wt))
    }

    /// Reads a length-delimited payload; returns it with its offset.
    #[inline(always)]
    pub(crate) fn bytes(&mut self) -> Result<(&'a [u8], usize), DecodeError> {
        let len = self.varint()?;
        let start = self.pos;
        let remaining = (self.buf.len() - start) as u64;
        if len > remaining {
            return Err(self.err(DecodeErrorKind::Length(len)));
        }
        let end = start + len as usize;
        self.pos = end;
        Ok((&self.buf[start..end], self.base + start))
    }

    pub(crate) fn skip(&mut self, wt: u8) -> Result<(), DecodeError> {
        match wt {
            VARINT => {
                self.varint()?;
            }
            FIXED64 => self.advance(8)?,
            LEN => {
                self.bytes()?;
            }
            FIXED32 => self.advance(4)?,
            other => return Err(self.err(DecodeErrorKind::WireType(other))),
        }
        Ok(())
    }

    fn advance(&mut self, n: usize) -> Result<(), DecodeError> {
        if self.buf.len() - self.pos < n {
            return Err(self.err(DecodeErrorKind::Truncated));
        }
        self.pos += n;
        Ok(())
    }

    /// Reads an integer field that must be a varint.
    #[inline(always)]
    pub(crate) fn int(&mut self, wt: u8) -> Result<u64, DecodeError> {
        if wt != VARINT {
            return Err(self.err(DecodeErrorKind::WireType(wt)));
        }
        self.varint()
    }

    /// Reads a repeated integer field, packed (LEN) or not (VARINT), calling `f` per value.
    #[inline(always)]
    pub(crate) fn repeated(&mut self, wt: u8, mut f: impl FnMut(u64)) -> Result<(), DecodeError> {
        match wt {
            VARINT => {
                f(self.varint()?);
                Ok(())
            }
            LEN => {
                let (payload, off) = self.bytes()?;
                let mut r = Reader::new(payload, off, self.field);
                while !r.at_end() {
                    f(r.varint()?);
                }
                Ok(())
            }
            other => Err(self.err(DecodeErrorKind::WireType(other))),
        }
    }
}

/// The varint at the start of the eight bytes `word` (little-endian) and
/// its length, when it ends within them (it then holds at most 56 bits).
#[inline]
fn varint_in_word(word: u64) -> Option<(u64, usize)> {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let ends = !word & HIGH;
    if ends == 0 {
        return None;
    }
    // The bytes up to the first one without a continuation bit.
    let x = word & (ends ^ (ends - 1));
    let len = (ends.trailing_zeros() as usize + 1) / 8;
    // Pack the 7-bit groups: pairs into 14 bits, those into 28, into 56.
    let x = (x & 0x007f_007f_007f_007f) | ((x & 0x7f00_7f00_7f00_7f00) >> 1);
    let x = (x & 0x0000_3fff_0000_3fff) | ((x & 0x3fff_0000_3fff_0000) >> 2);
    let x = (x & 0x0000_0000_0fff_ffff) | ((x & 0x0fff_ffff_0000_0000) >> 4);
    Some((x, len))
}

/// Appends protobuf fields to a byte vector.
pub(crate) struct Writer<'a> {
    pub(crate) buf: &'a mut Vec<u8>,
}

impl Writer<'_> {
    #[inline]
    pub(crate) fn varint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.buf.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.buf.push(v as u8);
    }

    #[inline(always)]
    pub(crate) fn key(&mut self, field: u32, wt: u8) {
        self.varint(((field as u64) << 3) | wt as u64);
    }

    /// Writes a non-zero integer field (proto3 omits zeros).
    #[inline]
    pub(crate) fn int_opt(&mut self, field: u32, v: u64) {
        if v != 0 {
            self.key(field, VARINT);
            self.varint(v);
        }
    }

    #[inline]
    pub(crate) fn bool_opt(&mut self, field: u32, v: bool) {
        if v {
            self.key(field, VARINT);
            self.varint(1);
        }
    }

    pub(crate) fn bytes(&mut self, field: u32, b: &[u8]) {
        self.key(field, LEN);
        self.varint(b.len() as u64);
        self.buf.extend_from_slice(b);
    }

    /// Writes a packed repeated field (omitted when empty).
    pub(crate) fn packed(&mut self, field: u32, vals: impl Iterator<Item = u64> + Clone) {
        let len: usize = vals.clone().map(varint_len).sum();
        if len == 0 {
            return;
        }
        self.key(field, LEN);
        self.varint(len as u64);
        for v in vals {
            self.varint(v);
        }
    }

    /// Writes a nested message produced by `f`.
    pub(crate) fn message(
        &mut self,
        field: u32,
        scratch: &mut Vec<u8>,
        f: impl FnOnce(&mut Writer),
    ) {
        scratch.clear();
        f(&mut Writer { buf: scratch });
        self.key(field, LEN);
        self.varint(scratch.len() as u64);
        self.buf.extend_from_slice(scratch);
    }
}

/// The bytes of the varint of `v`: its significant bits in groups of 7,
/// rounded up (`bits * 9 / 64` rounds up for 1..=64 bits; no division).
#[inline]
pub(crate) fn varint_len(v: u64) -> usize {
    let bits = 64 - (v | 1).leading_zeros() as usize;
    (bits * 9 + 64) >> 6
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varint_roundtrip() {
        for v in [0u64, 1, 127, 128, 300, u32::MAX as u64, u64::MAX] {
            let mut b = Vec::new();
            Writer { buf: &mut b }.varint(v);
            assert_eq!(b.len(), varint_len(v));
            let mut r = Reader::new(&b, 0, "t");
            assert_eq!(r.varint().unwrap(), v);
            assert!(r.at_end());
        }
    }

    #[test]
    fn varint_len_is_the_encoded_length_at_every_width() {
        for bits in 0..64u32 {
            let top = 1u64 << bits;
            for v in [top - 1, top, top + 1, top | (top - 1)] {
                let mut b = Vec::new();
                Writer { buf: &mut b }.varint(v);
                assert_eq!(varint_len(v), b.len(), "{v:#x}");
            }
        }
    }

    #[test]
    fn varints_in_a_word_read_as_byte_by_byte() {
        // Every length from 1 to 10 bytes, followed by other bytes.
        let mut values: Vec<u64> = (0..64).map(|b| 1u64 << b).collect();
        values.extend((0..64).map(|b| (1u64 << b) - 1));
        values.extend([
            0x7f,
            0x80,
            0x3fff,
            0x4000,
            300,
            0x0123_4567_89ab_cdef,
            u64::MAX,
        ]);
        for v in values {
            let mut b = Vec::new();
            Writer { buf: &mut b }.varint(v);
            let n = b.len();
            b.extend_from_slice(&[0xff; 9]);
            let mut r = Reader::new(&b, 0, "t");
            assert_eq!(r.varint().unwrap(), v, "{v:#x}");
            assert_eq!(r.pos, n, "{v:#x}");
        }
    }

    #[test]
    fn varint_truncated_and_overflow() {
        let mut r = Reader::new(&[0x80], 0, "t");
        assert_eq!(r.varint().unwrap_err().kind, DecodeErrorKind::Truncated);
        let mut r = Reader::new(&[0xff; 11], 0, "t");
        assert_eq!(
            r.varint().unwrap_err().kind,
            DecodeErrorKind::VarintOverflow
        );
    }

    #[test]
    fn varint_tenth_byte_bits_past_64_are_dropped() {
        // pprof accepts any tenth byte below 0x80 and keeps its lowest bit.
        let mut b = vec![0xff; 9];
        b.push(0x7e);
        let mut r = Reader::new(&b, 0, "t");
        assert_eq!(r.varint().unwrap(), u64::MAX >> 1);
        assert!(r.at_end());
        b[9] = 0x03;
        assert_eq!(Reader::new(&b, 0, "t").varint().unwrap(), u64::MAX);
        // A continuation bit on the tenth byte is still an error.
        b[9] = 0x81;
        assert_eq!(
            Reader::new(&b, 0, "t").varint().unwrap_err().kind,
            DecodeErrorKind::VarintOverflow
        );
    }

    #[test]
    fn field_zero_and_huge_field_numbers_are_unknown_fields() {
        let mut r = Reader::new(&[0x00], 0, "t");
        assert_eq!(r.key().unwrap(), (0, VARINT));
        // field number 2^40, wire type 5
        let k = (1u64 << 40) << 3 | 5;
        let mut b = Vec::new();
        Writer { buf: &mut b }.varint(k);
        let mut r = Reader::new(&b, 0, "t");
        assert_eq!(r.key().unwrap(), (u32::MAX, FIXED32));
    }
}
