//! Numbers and path data: coordinates rounded to hundredths, straight curves written as lines,
//! compact commands.

use std::ops::Range;

// Numbers and path data
//
// Hand-drawn (roughjs) shapes come with thousands of full-precision coordinates, and the
// `neutral` look draws them with roughness 0: every "curve" is a straight chord, and every
// stroke is drawn twice. Path data is parsed into integer hundredths of a unit (two decimals are
// far below a pixel at any zoom), simplified without changing what is drawn, and written back
// compactly. The parser is our own rather than a crate's (`svgtypes` would do, but parses into
// `f64` that we would round again): it reads digits straight into fixed point, and it must
// reject exactly what the SVG grammar rejects, so that data a browser draws only partly is left
// alone (only its numbers are rounded, as before).

/// Reads the number starting at `b[*i]` (SVG/CSS syntax: sign, digits, fraction, exponent)
/// into hundredths, rounded half away from zero; `None` if there is no number there, or it is
/// too large. Advances `*i` past what it read.
pub(super) fn parse_hundredths(b: &[u8], i: &mut usize) -> Option<i64> {
    let start = *i;
    let mut j = start;
    let negative = match b.get(j) {
        Some(b'-') => {
            j += 1;
            true
        }
        Some(b'+') => {
            j += 1;
            false
        }
        _ => false,
    };
    let mut int: i64 = 0;
    let int_start = j;
    while let Some(d) = b.get(j).map(|c| c.wrapping_sub(b'0')).filter(|d| *d <= 9) {
        int = int.checked_mul(10)?.checked_add(i64::from(d))?;
        j += 1;
    }
    let mut digits = j - int_start;
    let mut frac = [0u8; 3];
    if b.get(j) == Some(&b'.') {
        j += 1;
        let frac_start = j;
        for f in &mut frac {
            match b.get(j).map(|c| c.wrapping_sub(b'0')).filter(|d| *d <= 9) {
                Some(d) => {
                    *f = d;
                    j += 1;
                }
                None => break,
            }
        }
        // Engines write 15 decimals; only three count.
        j = skip_digits(b, j);
        digits += j - frac_start;
    }
    if digits == 0 {
        return None;
    }
    let exponent = matches!(b.get(j), Some(b'e' | b'E'))
        && match b.get(j + 1) {
            Some(c) if c.is_ascii_digit() => true,
            Some(b'-' | b'+') => b.get(j + 2).is_some_and(u8::is_ascii_digit),
            _ => false,
        };
    if exponent {
        j += 2;
        while b.get(j).is_some_and(u8::is_ascii_digit) {
            j += 1;
        }
        // Rare (engines write `1e-7` for almost-zero): let the standard library read it.
        let text = std::str::from_utf8(&b[start..j]).ok()?;
        let v = (text.parse::<f64>().ok()? * 100.0).round();
        *i = j;
        return (v.is_finite() && v.abs() < 1e15).then_some(v as i64);
    }
    let magnitude = int
        .checked_mul(100)?
        .checked_add(i64::from(frac[0]) * 10 + i64::from(frac[1]) + i64::from(frac[2] >= 5))?;
    if magnitude >= 100_000_000_000_000_000 {
        return None;
    }
    *i = j;
    Some(if negative { -magnitude } else { magnitude })
}

/// The index of the first byte at or after `j` that is not an ASCII digit, eight bytes at a
/// time while it can (a byte `c` is a digit when neither `c - 0x30` nor `c + 0x46` reaches
/// `0x80`; a carry or borrow only ever flags a word that has a non-digit anyway).
pub(super) fn skip_digits(b: &[u8], mut j: usize) -> usize {
    while let Some(chunk) = b.get(j..j + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let w = u64::from_le_bytes(word);
        let flags = (w.wrapping_sub(0x3030_3030_3030_3030) | w.wrapping_add(0x4646_4646_4646_4646))
            & 0x8080_8080_8080_8080;
        if flags != 0 {
            break;
        }
        j += 8;
    }
    while b.get(j).is_some_and(u8::is_ascii_digit) {
        j += 1;
    }
    j
}

/// Writes hundredths as a decimal: `1234` → `12.34`, `-50` → `-0.5`, `300` → `3`.
pub(super) fn push_hundredths(out: &mut String, v: i64) {
    let mut buf = [0u8; 24];
    let start = format_hundredths(&mut buf, v);
    // Only ASCII digits, '.' and '-'.
    out.push_str(std::str::from_utf8(&buf[start..]).unwrap_or_default());
}

/// [`push_hundredths`] into bytes.
pub(super) fn hundredths_into(out: &mut Vec<u8>, v: i64) {
    let mut buf = [0u8; 24];
    let start = format_hundredths(&mut buf, v);
    out.extend_from_slice(&buf[start..]);
}

/// Formats hundredths right-aligned in `buf`; returns where the text starts.
pub(super) fn format_hundredths(buf: &mut [u8; 24], v: i64) -> usize {
    let mut n = buf.len();
    let m = v.unsigned_abs();
    let (mut int, frac) = (m / 100, m % 100);
    if frac != 0 {
        if frac % 10 == 0 {
            n -= 1;
            buf[n] = b'0' + (frac / 10) as u8;
        } else {
            n -= 2;
            buf[n] = b'0' + (frac / 10) as u8;
            buf[n + 1] = b'0' + (frac % 10) as u8;
        }
        n -= 1;
        buf[n] = b'.';
    }
    loop {
        n -= 1;
        buf[n] = b'0' + (int % 10) as u8;
        int /= 10;
        if int == 0 {
            break;
        }
    }
    if v < 0 {
        n -= 1;
        buf[n] = b'-';
    }
    n
}

/// Every number in path data or a point list, rounded to two decimals (`12.3456` → `12.35`,
/// `-0.001` → `0`); everything between the numbers is kept.
#[cfg(test)]
pub(super) fn round_numbers(data: &str) -> String {
    let mut out = String::with_capacity(data.len());
    round_numbers_into(data, &mut out);
    out
}

pub(super) fn round_numbers_into(data: &str, out: &mut String) {
    let bytes = data.as_bytes();
    let mut i = 0;
    let mut copied = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let starts_number = c.is_ascii_digit()
            || (c == b'.' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit))
            || (c == b'-'
                && bytes
                    .get(i + 1)
                    .is_some_and(|n| n.is_ascii_digit() || *n == b'.'));
        if !starts_number {
            i += 1;
            continue;
        }
        out.push_str(&data[copied..i]);
        let start = i;
        match parse_hundredths(bytes, &mut i) {
            Some(v) => {
                // The original may have relied on a sign or a second dot to separate two
                // numbers (`1.5-2`, `0.5.5`); keep them apart.
                if v >= 0 && out.ends_with(|c: char| c.is_ascii_digit() || c == '.') {
                    out.push(' ');
                }
                push_hundredths(out, v);
            }
            None => {
                // Too large to round: copy the digits as they are.
                i = start + 1;
                while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.') {
                    i += 1;
                }
                out.push_str(&data[start..i]);
            }
        }
        copied = i;
    }
    out.push_str(&data[copied..]);
}

/// A point in hundredths of a user unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct Pt {
    pub(super) x: i64,
    pub(super) y: i64,
}

impl Pt {
    pub(super) fn add(self, o: Pt) -> Pt {
        Pt {
            x: self.x.saturating_add(o.x),
            y: self.y.saturating_add(o.y),
        }
    }

    pub(super) fn sub(self, o: Pt) -> Pt {
        Pt {
            x: self.x.saturating_sub(o.x),
            y: self.y.saturating_sub(o.y),
        }
    }

    /// 2 × current − `self` (the reflected control point of `S`/`T`).
    pub(super) fn reflect(self, about: Pt) -> Pt {
        about.add(about.sub(self))
    }
}

/// One absolute path segment. `S`/`T` are stored with their reflected control point, `H`/`V`
/// as lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Seg {
    Move(Pt),
    Line(Pt),
    Cubic(Pt, Pt, Pt),
    Quad(Pt, Pt),
    Arc {
        radii: Pt,
        rotation: i64,
        large: bool,
        sweep: bool,
        to: Pt,
    },
    Close,
}

pub(super) fn cross(a: Pt, b: Pt) -> i128 {
    (i128::from(a.x) * i128::from(b.y)).saturating_sub(i128::from(a.y) * i128::from(b.x))
}

pub(super) fn dot(a: Pt, b: Pt) -> i128 {
    (i128::from(a.x) * i128::from(b.x)).saturating_add(i128::from(a.y) * i128::from(b.y))
}

/// Whether the curve from `a` through control points `controls` to `b` is the straight line
/// `a`–`b`: every control point within 0.01 of the chord, not beyond its ends (by more than
/// 0.01), and in order along it. Such a curve runs from `a` to `b` once, never turning back,
/// so it draws exactly the line (dashes included: it has the same length).
pub(super) fn is_straight(a: Pt, controls: &[Pt], b: Pt) -> bool {
    let d = b.sub(a);
    let len2 = dot(d, d);
    // Within `tol` hundredths along the chord: `x <= tol * |d|`, squared to stay in integers.
    let within = |x: i128| x <= 0 || x.saturating_mul(x) <= len2;
    let mut previous: Option<i128> = None;
    for &c in controls {
        let v = c.sub(a);
        if len2 == 0 {
            if dot(v, v) > 1 {
                return false;
            }
            continue;
        }
        let off = cross(d, v);
        // Distance from the chord `|off| / |d|` at most one hundredth.
        if off.saturating_mul(off) > len2 {
            return false;
        }
        let along = dot(d, v);
        if !within(along.saturating_neg()) || !within(along.saturating_sub(len2)) {
            return false;
        }
        if previous.is_some_and(|p| !within(p.saturating_sub(along))) {
            return false;
        }
        previous = Some(along);
    }
    true
}

/// Path data reader following the SVG path grammar; any error makes [`parse_path`] give up.
pub(super) struct PathReader<'a> {
    pub(super) b: &'a [u8],
    pub(super) i: usize,
    /// A comma was read: another argument must follow.
    pub(super) comma: bool,
}

impl PathReader<'_> {
    pub(super) fn skip_ws(&mut self) {
        while self
            .b
            .get(self.i)
            .is_some_and(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c'))
        {
            self.i += 1;
        }
    }

    /// After an argument: optional white space, an optional comma, white space.
    pub(super) fn separator(&mut self) {
        self.skip_ws();
        if self.b.get(self.i) == Some(&b',') {
            self.i += 1;
            self.comma = true;
            self.skip_ws();
        }
    }

    pub(super) fn number(&mut self) -> Option<i64> {
        let v = parse_hundredths(self.b, &mut self.i)?;
        self.comma = false;
        self.separator();
        Some(v)
    }

    pub(super) fn flag(&mut self) -> Option<bool> {
        let v = match self.b.get(self.i)? {
            b'0' => false,
            b'1' => true,
            _ => return None,
        };
        self.i += 1;
        self.comma = false;
        self.separator();
        Some(v)
    }

    pub(super) fn point(&mut self, base: Pt) -> Option<Pt> {
        let x = self.number()?;
        let y = self.number()?;
        Some(base.add(Pt { x, y }))
    }
}

/// Parses path data into absolute segments (`segs` is cleared first), converting straight
/// curves to lines. `false` if the data is not valid path data from its first byte to its last.
pub(super) fn parse_path(d: &str, segs: &mut Vec<Seg>) -> bool {
    parse_path_inner(d, segs).is_some()
}

pub(super) fn parse_path_inner(d: &str, segs: &mut Vec<Seg>) -> Option<()> {
    segs.clear();
    let mut r = PathReader {
        b: d.as_bytes(),
        i: 0,
        comma: false,
    };
    let mut cur = Pt::default();
    let mut start = cur;
    let mut cmd = 0u8;
    // The last control point of the previous segment, if it was a cubic (for `S`) or
    // quadratic (for `T`).
    let mut last_cubic: Option<Pt> = None;
    let mut last_quad: Option<Pt> = None;
    r.skip_ws();
    loop {
        let Some(&c) = r.b.get(r.i) else {
            return (!r.comma && cmd != 0).then_some(());
        };
        if c.is_ascii_alphabetic() {
            if r.comma || (cmd == 0 && c != b'M' && c != b'm') {
                return None;
            }
            cmd = c;
            r.i += 1;
            r.skip_ws();
        } else if matches!(cmd, 0 | b'Z' | b'z') {
            return None;
        } else if cmd == b'M' {
            // Coordinates after a moveto are implicit lineto commands.
            cmd = b'L';
        } else if cmd == b'm' {
            cmd = b'l';
        }
        let base = if cmd.is_ascii_lowercase() {
            cur
        } else {
            Pt::default()
        };
        let (seg, cubic_control, quad_control) = match cmd.to_ascii_uppercase() {
            b'M' => {
                let to = r.point(base)?;
                start = to;
                (Seg::Move(to), None, None)
            }
            b'L' => (Seg::Line(r.point(base)?), None, None),
            b'H' => {
                let x = r.number()?;
                (
                    Seg::Line(Pt {
                        x: base.x.saturating_add(x),
                        y: cur.y,
                    }),
                    None,
                    None,
                )
            }
            b'V' => {
                let y = r.number()?;
                (
                    Seg::Line(Pt {
                        x: cur.x,
                        y: base.y.saturating_add(y),
                    }),
                    None,
                    None,
                )
            }
            b'C' | b'S' => {
                let c1 = if cmd.eq_ignore_ascii_case(&b'C') {
                    r.point(base)?
                } else {
                    last_cubic.map_or(cur, |p| p.reflect(cur))
                };
                let c2 = r.point(base)?;
                let to = r.point(base)?;
                let seg = if is_straight(cur, &[c1, c2], to) {
                    Seg::Line(to)
                } else {
                    Seg::Cubic(c1, c2, to)
                };
                (seg, Some(c2), None)
            }
            b'Q' | b'T' => {
                let c1 = if cmd.eq_ignore_ascii_case(&b'Q') {
                    r.point(base)?
                } else {
                    last_quad.map_or(cur, |p| p.reflect(cur))
                };
                let to = r.point(base)?;
                let seg = if is_straight(cur, &[c1], to) {
                    Seg::Line(to)
                } else {
                    Seg::Quad(c1, to)
                };
                (seg, None, Some(c1))
            }
            b'A' => {
                let rx = r.number()?;
                let ry = r.number()?;
                let rotation = r.number()?;
                let large = r.flag()?;
                let sweep = r.flag()?;
                let to = r.point(base)?;
                (
                    Seg::Arc {
                        radii: Pt { x: rx, y: ry },
                        rotation,
                        large,
                        sweep,
                        to,
                    },
                    None,
                    None,
                )
            }
            b'Z' => {
                r.skip_ws();
                (Seg::Close, None, None)
            }
            _ => return None,
        };
        cur = match seg {
            Seg::Move(p) | Seg::Line(p) | Seg::Cubic(_, _, p) | Seg::Quad(_, p) => p,
            Seg::Arc { to, .. } => to,
            Seg::Close => start,
        };
        last_cubic = cubic_control;
        last_quad = quad_control;
        segs.push(seg);
    }
}

/// The end point of a drawing segment (`None` for moves and closes).
pub(super) fn seg_end(seg: &Seg) -> Option<Pt> {
    match *seg {
        Seg::Line(p) | Seg::Cubic(_, _, p) | Seg::Quad(_, p) => Some(p),
        Seg::Arc { to, .. } => Some(to),
        Seg::Move(_) | Seg::Close => None,
    }
}

/// Whether a subpath (`Move` first) encloses no area: lines only, all on one straight line.
/// Its winding number is 0 almost everywhere, so it adds nothing to a fill under any fill rule.
pub(super) fn encloses_nothing(unit: &[Seg]) -> bool {
    let Some(Seg::Move(origin)) = unit.first() else {
        return false;
    };
    let mut direction: Option<Pt> = None;
    for seg in &unit[1..] {
        match *seg {
            Seg::Line(p) => {
                let v = p.sub(*origin);
                if v == Pt::default() {
                    continue;
                }
                match direction {
                    None => direction = Some(v),
                    Some(d) if cross(d, v) != 0 => return false,
                    Some(_) => {}
                }
            }
            Seg::Close => {}
            _ => return false,
        }
    }
    true
}

/// Reusable buffers for path simplification (one set per post-processed SVG).
#[derive(Default)]
pub(super) struct PathScratch {
    pub(super) segs: Vec<Seg>,
    pub(super) units: Vec<Range<usize>>,
    /// The simplified data (ASCII), moved to the output at the end.
    pub(super) text: Vec<u8>,
}

/// Whether a subpath repeating the one before it is dropped (see [`write_path`]). Off: the
/// SVG means the same without the repeat, but Chromium's anti-aliasing adds up the partial
/// coverage of overlapping contours at a line's edges, so roughjs's double strokes draw
/// visibly darker lines than single ones (class box borders, stadium outlines), and mermaid's
/// own pictures look that way. Keeping the repeats costs about 4 kB per flowchart with two
/// stadium shapes (written relative, they are short); turning this on saves that and draws
/// those lines lighter.
pub(super) const DROP_REPEATED_SUBPATHS: bool = false;

/// What may be simplified in one path besides rounding and straight curves.
#[derive(Debug, Clone, Copy)]
pub(super) struct PathOptions {
    /// Drop repeated subpaths and zero-length segments: off when the path has markers
    /// (vertices count), a `pathLength` (scales dashes by the total length) or is referenced
    /// by id (a `textPath` follows its length).
    pub(super) structural: bool,
    /// Some fill in the SVG uses `evenodd` (there, a subpath drawn twice cancels out).
    pub(super) evenodd: bool,
    /// Drop repeated subpaths (with `structural`), see [`DROP_REPEATED_SUBPATHS`].
    pub(super) drop_repeats: bool,
}

/// Writes path data rounded to hundredths and simplified without changing what is drawn:
/// - a cubic or quadratic curve whose control points lie on its chord becomes a line;
/// - with `structural`: a subpath repeating the one before it is dropped when that changes
///   no fill: always if it encloses nothing (roughjs draws each stroke segment twice, as
///   separate one-line subpaths), otherwise only if every enclosing subpath of the path is
///   repeated the same number of times (which scales winding numbers and keeps the nonzero
///   fill) and no fill is `evenodd`. Strokes are unions, so repeats never add to them.
///   Zero-length segments are dropped from subpaths that draw something else (a subpath of
///   only zero-length segments is kept: with round caps it is a dot). Separate subpaths are
///   never joined (a joined open subpath fills the area between them).
///
/// Output uses absolute or relative commands, whichever is shorter, `H`/`V` for axis-parallel
/// lines, and no separator before a minus sign. Data that is not valid path data is only
/// rounded, so it draws as it did.
pub(super) fn write_path(
    d: &str,
    options: PathOptions,
    scratch: &mut PathScratch,
    out: &mut String,
) {
    if !parse_path(d, &mut scratch.segs) {
        round_numbers_into(d, out);
        return;
    }
    let segs = &scratch.segs;
    let units = &mut scratch.units;
    units.clear();
    let mut start = 0;
    for (i, seg) in segs.iter().enumerate().skip(1) {
        if matches!(seg, Seg::Move(_)) {
            units.push(start..i);
            start = i;
        }
    }
    units.push(start..segs.len());

    // Repeated subpaths: runs of equal consecutive units.
    let mut keep_repeats_of_enclosing = true;
    let drop_repeats = options.structural && options.drop_repeats;
    if drop_repeats {
        let mut run_length: Option<usize> = None;
        let mut uniform = true;
        let mut u = 0;
        while u < units.len() {
            let mut v = u + 1;
            while v < units.len() && segs[units[v].clone()] == segs[units[u].clone()] {
                v += 1;
            }
            if !encloses_nothing(&segs[units[u].clone()]) {
                match run_length {
                    None => run_length = Some(v - u),
                    Some(n) if n != v - u => uniform = false,
                    Some(_) => {}
                }
            }
            u = v;
        }
        keep_repeats_of_enclosing = options.evenodd || !uniform;
    }

    let mut w = PathWriter {
        cur: Pt::default(),
        start: Pt::default(),
        first: true,
    };
    let text = &mut scratch.text;
    text.clear();
    let mut previous: Option<Range<usize>> = None;
    for unit in units.iter() {
        let body = &segs[unit.clone()];
        if drop_repeats
            && previous.as_ref().is_some_and(|p| segs[p.clone()] == *body)
            && (!keep_repeats_of_enclosing || encloses_nothing(body))
        {
            continue;
        }
        previous = Some(unit.clone());
        // Zero-length segments, in subpaths that draw something else and close only at the end.
        let mut drops_zero = false;
        if options.structural {
            let mut at = Pt::default();
            let mut drawing = false;
            let mut close_inside = false;
            for (k, seg) in body.iter().enumerate() {
                if seg_end(seg).is_some() && !is_zero_length(seg, at) {
                    drawing = true;
                }
                if matches!(seg, Seg::Close) && k + 1 < body.len() {
                    close_inside = true;
                }
                if let Some(p) = seg_end(seg) {
                    at = p;
                } else if let Seg::Move(p) = seg {
                    at = *p;
                }
            }
            drops_zero = drawing && !close_inside;
        }
        for seg in body {
            if drops_zero && is_zero_length(seg, w.cur) {
                continue;
            }
            w.write(seg, text);
        }
    }
    // Only ASCII letters, digits, '.', '-' and ' ' were written.
    out.push_str(std::str::from_utf8(text).unwrap_or_default());
}

/// A drawing segment that ends where it starts and does not leave that point.
pub(super) fn is_zero_length(seg: &Seg, from: Pt) -> bool {
    match *seg {
        Seg::Line(p) => p == from,
        Seg::Cubic(c1, c2, p) => c1 == from && c2 == from && p == from,
        Seg::Quad(c, p) => c == from && p == from,
        // An arc to its own start point is omitted when drawn.
        Seg::Arc { to, .. } => to == from,
        Seg::Move(_) | Seg::Close => false,
    }
}

pub(super) struct PathWriter {
    pub(super) cur: Pt,
    pub(super) start: Pt,
    pub(super) first: bool,
}

/// The length of [`push_hundredths`]'s text for `v`.
pub(super) fn hundredths_len(v: i64) -> usize {
    let m = v.unsigned_abs();
    let frac = match m % 100 {
        0 => 0,
        f if f % 10 == 0 => 2,
        _ => 3,
    };
    usize::from(v < 0) + (m / 100).checked_ilog10().map_or(1, |d| d as usize + 1) + frac
}

/// The length of a command letter and its arguments as [`PathWriter::emit`] writes them.
pub(super) fn command_len(args: &[i64]) -> usize {
    1 + args
        .iter()
        .enumerate()
        .map(|(n, &v)| hundredths_len(v) + usize::from(n > 0 && v >= 0))
        .sum::<usize>()
}

impl PathWriter {
    pub(super) fn emit(out: &mut Vec<u8>, letter: u8, args: &[i64]) {
        out.push(letter);
        for (n, &v) in args.iter().enumerate() {
            if n > 0 && v >= 0 {
                out.push(b' ');
            }
            hundredths_into(out, v);
        }
    }

    /// Writes `seg` in the shorter of its absolute and relative forms (the first command, and
    /// ties, absolute).
    pub(super) fn write(&mut self, seg: &Seg, out: &mut Vec<u8>) {
        let o = self.cur;
        let mut abs = [0i64; 7];
        let mut rel = [0i64; 7];
        let (letter, n) = match *seg {
            Seg::Move(p) => {
                self.start = p;
                (b'M', points(&mut abs, &mut rel, o, &[p]))
            }
            Seg::Line(p) if p.y == o.y => {
                (abs[0], rel[0]) = (p.x, p.x.saturating_sub(o.x));
                (b'H', 1)
            }
            Seg::Line(p) if p.x == o.x => {
                (abs[0], rel[0]) = (p.y, p.y.saturating_sub(o.y));
                (b'V', 1)
            }
            Seg::Line(p) => (b'L', points(&mut abs, &mut rel, o, &[p])),
            Seg::Cubic(c1, c2, p) => (b'C', points(&mut abs, &mut rel, o, &[c1, c2, p])),
            Seg::Quad(c, p) => (b'Q', points(&mut abs, &mut rel, o, &[c, p])),
            Seg::Arc {
                radii,
                rotation,
                large,
                sweep,
                to,
            } => {
                let head = [
                    radii.x,
                    radii.y,
                    rotation,
                    i64::from(large) * 100,
                    i64::from(sweep) * 100,
                ];
                abs[..5].copy_from_slice(&head);
                rel[..5].copy_from_slice(&head);
                (abs[5], abs[6]) = (to.x, to.y);
                let d = to.sub(o);
                (rel[5], rel[6]) = (d.x, d.y);
                (b'A', 7)
            }
            Seg::Close => {
                out.push(b'Z');
                self.cur = self.start;
                self.first = false;
                return;
            }
        };
        self.cur = match *seg {
            Seg::Move(p) | Seg::Line(p) | Seg::Cubic(_, _, p) | Seg::Quad(_, p) => p,
            Seg::Arc { to, .. } => to,
            Seg::Close => self.start,
        };
        if self.first || command_len(&abs[..n]) <= command_len(&rel[..n]) {
            Self::emit(out, letter, &abs[..n]);
        } else {
            Self::emit(out, letter.to_ascii_lowercase(), &rel[..n]);
        }
        self.first = false;
    }
}

/// Fills the absolute and relative (to `origin`) coordinates of `pts`; returns their count.
pub(super) fn points(abs: &mut [i64; 7], rel: &mut [i64; 7], origin: Pt, pts: &[Pt]) -> usize {
    for (k, p) in pts.iter().enumerate() {
        let d = p.sub(origin);
        (abs[2 * k], abs[2 * k + 1]) = (p.x, p.y);
        (rel[2 * k], rel[2 * k + 1]) = (d.x, d.y);
    }
    2 * pts.len()
}

#[cfg(test)]
mod rounding_tests {
    #[test]
    pub(super) fn path_numbers_are_rounded() {
        assert_eq!(
            super::round_numbers("M-52.875 -19.5 C-15.991790507984028 -19.5, 1e-7 .5, 3.004-2.999"),
            "M-52.88 -19.5 C-15.99 -19.5, 0 0.5, 3-3"
        );
        assert_eq!(super::round_numbers("0,0 10,5 0,10"), "0,0 10,5 0,10");
        // Separators that were a sign or a dot survive rounding.
        assert_eq!(
            super::round_numbers("M12.26-0.0001l0.2600.5.5"),
            "M12.26 0l0.26 0.5 0.5"
        );
        assert_eq!(super::round_numbers("1.004.5 3-4"), "1 0.5 3-4");
    }
}

#[cfg(test)]
mod path_tests {
    use super::super::markup::find_byte;
    use super::*;

    pub(super) fn simplify(d: &str, structural: bool, drop_repeats: bool, evenodd: bool) -> String {
        let mut out = String::new();
        let options = PathOptions {
            structural,
            evenodd,
            drop_repeats,
        };
        write_path(d, options, &mut PathScratch::default(), &mut out);
        out
    }

    pub(super) fn plain(d: &str) -> String {
        simplify(d, true, false, false)
    }

    #[test]
    pub(super) fn straight_curves_become_lines() {
        // Control points on the chord, in order: a line (horizontal, vertical, diagonal).
        assert_eq!(plain("M0 0 C1 0, 2 0, 3 0"), "M0 0H3");
        assert_eq!(plain("M5 5C5 6 5 7 5 9"), "M5 5V9");
        assert_eq!(plain("M0 0C1 1 2 2 3 3"), "M0 0L3 3");
        // Within 0.01 of the chord after rounding (roughjs at roughness 0).
        assert_eq!(
            plain("M52.88 -19.5 C53.2 -19.49, 53.53 -19.48, 54.12 -19.46"),
            "M52.88-19.5l1.24 0.04"
        );
        // Quadratic curves too.
        assert_eq!(plain("M0 0Q5 0 10 0"), "M0 0H10");
    }

    #[test]
    pub(super) fn real_curves_are_kept() {
        assert_eq!(plain("M0 0C0 1 1 1 1 0"), "M0 0C0 1 1 1 1 0");
        // On the line but beyond an end: the curve overshoots and comes back.
        assert_eq!(plain("M0 0C5 0 2 0 3 0"), "M0 0C5 0 2 0 3 0");
        assert_eq!(plain("M0 0C-1 0 2 0 3 0"), "M0 0C-1 0 2 0 3 0");
        // Out of order along the chord: it turns back.
        assert_eq!(plain("M0 0C2 0 1 0 3 0"), "M0 0C2 0 1 0 3 0");
        // More than 0.01 off the chord.
        assert_eq!(plain("M0 0C1 0.02 2 0 3 0"), "M0 0C1 0.02 2 0 3 0");
        // `S` reflects the previous control point even when that curve became a line.
        assert_eq!(plain("M0 0C1 0 2 0 3 0S4 1 5 0"), "M0 0H3C4 0 4 1 5 0");
    }

    #[test]
    pub(super) fn relative_and_shorthand_commands_are_resolved() {
        assert_eq!(plain("m10 10l5 0l0 5z"), "M10 10h5v5Z");
        assert_eq!(plain("M 1,1 h 9 v 9 H 1 Z"), "M1 1h9v9H1Z");
        // Implicit lineto after moveto; arcs keep their flags.
        assert_eq!(plain("M0 0 10 0 10 10"), "M0 0H10V10");
        assert_eq!(plain("M0 0A5 5 0 0 1 10 0"), "M0 0A5 5 0 0 1 10 0");
        assert_eq!(plain("M0 0a5,5 0 1,0 10,0"), "M0 0A5 5 0 1 0 10 0");
        // The shorter of absolute and relative, no separator before a minus sign.
        assert_eq!(plain("M100 100L101 99"), "M100 100l1-1");
    }

    #[test]
    pub(super) fn numbers_are_rounded_to_hundredths() {
        assert_eq!(
            plain("M-52.875 -19.5 C-15.991790507984028 -19.5, 1e-7 .5, 3.004-2.999"),
            "M-52.88-19.5C-15.99-19.5 0 0.5 3-3"
        );
        assert_eq!(plain("M0.004 0.005L1.5 -0.001"), "M0 0.01L1.5 0");
    }

    #[test]
    pub(super) fn double_strokes_drop_their_repeats_when_enabled() {
        // roughjs at roughness 0: every segment twice, each a separate subpath.
        let rough =
            "M0 0 C1 0, 2 0, 3 0 M0 0 C1 0, 2 0, 3 0 M3 0 C3 1, 3 2, 3 3 M3 0 C3 1, 3 2, 3 3";
        assert_eq!(simplify(rough, true, true, false), "M0 0H3M3 0V3");
        // By default the repeats stay (Chromium draws them darker), written compactly.
        assert_eq!(plain(rough), "M0 0H3M0 0H3M3 0V3M3 0V3");
        // Subpaths are never joined: `M0 0H3M3 0V3` is not `M0 0H3V3`.
        assert!(!simplify(rough, true, true, false).contains("H3V3"));
        // With markers, a `pathLength` or a reference (not structural): all kept.
        assert_eq!(
            simplify(rough, false, true, false),
            "M0 0H3M0 0H3M3 0V3M3 0V3"
        );
    }

    #[test]
    pub(super) fn repeated_areas_respect_the_fill_rule() {
        let twice = "M0 0L10 0L0 10ZM0 0L10 0L0 10Z";
        // Nonzero: every enclosing subpath repeated alike, the fill is the same once.
        assert_eq!(simplify(twice, true, true, false), "M0 0H10L0 10Z");
        // Even-odd: drawn twice, the triangle cancels out; keep it.
        assert_eq!(
            simplify(twice, true, true, true),
            "M0 0H10L0 10ZM0 0H10L0 10Z"
        );
        // Nonzero, but not all repeated alike (winding 2 against 1 matters to a hole).
        let mixed = "M0 0L10 0L0 10ZM0 0L10 0L0 10ZM0 0L0 10L10 0Z";
        assert_eq!(
            simplify(mixed, true, true, false),
            "M0 0H10L0 10ZM0 0H10L0 10ZM0 0V10L10 0Z"
        );
        // A repeated straight line encloses nothing: dropped even under even-odd.
        assert_eq!(simplify("M0 0L5 5M0 0L5 5", true, true, true), "M0 0L5 5");
    }

    #[test]
    pub(super) fn zero_length_segments() {
        // Dropped from a subpath that draws something else...
        assert_eq!(plain("M0 0L0 0C0 0 0 0 0 0L3 0L3 0"), "M0 0H3");
        // ...kept alone (with round caps it is a dot), and kept when vertices count.
        assert_eq!(plain("M1 1C1 1 1 1 1 1"), "M1 1H1");
        assert_eq!(simplify("M0 0L0 0L3 0", false, false, false), "M0 0H0H3");
    }

    #[test]
    pub(super) fn invalid_data_is_only_rounded() {
        for (d, rounded) in [
            ("M 0,0 L,5 5.004", "M 0,0 L,5 5"),
            ("L 1 2", "L 1 2"),
            ("M 1 2 3", "M 1 2 3"),
            ("M1 2,", "M1 2,"),
            ("M1 2 Z 3 4", "M1 2 Z 3 4"),
            ("M0 0A1 1 0 2 0 5 5", "M0 0A1 1 0 2 0 5 5"),
            ("", ""),
        ] {
            assert_eq!(plain(d), rounded, "{d}");
        }
    }

    #[test]
    pub(super) fn bytes_are_found_exactly() {
        let text = "ab<cdefghijklmnop<qrstuvwxyz0123456789\u{e9}<\"<";
        for from in 0..=text.len() + 1 {
            for c in [b'<', b'"', b'z', b'a', b'#'] {
                let expected = text
                    .as_bytes()
                    .get(from..)
                    .and_then(|rest| rest.iter().position(|&x| x == c))
                    .map(|p| from + p);
                assert_eq!(find_byte(text, from, c), expected, "{from} {c}");
            }
        }
    }

    #[test]
    pub(super) fn digit_runs_are_skipped_exactly() {
        for text in [
            "",
            "1",
            "12345678",
            "123456789",
            "1234567/",
            "12345678:",
            "0123456789012345x",
            "9999999999999999",
            "1234\u{e9}5678",
            "00000000\u{ff}",
        ] {
            let b = text.as_bytes();
            let expected = b
                .iter()
                .position(|c| !c.is_ascii_digit())
                .unwrap_or(b.len());
            assert_eq!(skip_digits(b, 0), expected, "{text}");
        }
        // Every byte value after seven digits.
        for c in 0..=255u8 {
            let mut b = b"1234567".to_vec();
            b.push(c);
            b.extend_from_slice(b"12345678");
            let expected = if c.is_ascii_digit() { b.len() } else { 7 };
            assert_eq!(skip_digits(&b, 0), expected, "{c}");
        }
    }

    #[test]
    pub(super) fn garbage_never_panics() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let alphabet = b"MmLlHhVvCcSsQqTtAaZz0123456789.-+eE ,\t\n";
        for _ in 0..3000 {
            let mut d = String::new();
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            for k in 0..(seed % 40) {
                let r = seed.rotate_left(k as u32 * 7) ^ (k * 0x2545_f491);
                d.push(alphabet[(r as usize) % alphabet.len()] as char);
            }
            for drop_repeats in [false, true] {
                let _ = simplify(&d, true, drop_repeats, false);
            }
        }
        for d in [
            "M9999999999999999999 1",
            "M1e308 1e308 L-1e308 -1e308",
            "M922337203685477580.7 0L-922337203685477580.8 0",
            "M90000000000000000 0l90000000000000000 0l90000000000000000 0",
            "M0 0C1e16 1e16 -1e16 -1e16 1e16 0",
            "m0 0é",
        ] {
            let _ = plain(d);
        }
        assert_eq!(
            super::round_numbers("99999999999999999999.5 1"),
            "99999999999999999999.5 1"
        );
    }
}
