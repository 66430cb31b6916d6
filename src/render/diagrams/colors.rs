//! Colours → CSS custom properties: every grey of the theme becomes a mix of `--pb-diagram-fg`
//! and `--pb-diagram-bg`, so one drawing serves light and dark.

use std::borrow::Cow;

// Colours → CSS custom properties

/// Replaces each opaque grey colour in a CSS value by a mix of the theme variables.
pub(super) fn themed_colors(value: &str) -> Cow<'_, str> {
    if !value
        .bytes()
        .any(|c| matches!(c, b'#' | b'(' | b'w' | b'W' | b'k' | b'K' | b'y' | b'Y'))
    {
        return Cow::Borrowed(value);
    }
    let mut out = String::with_capacity(value.len() + 32);
    let b = value.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let rest = &value[i..];
        let prev_is_word =
            i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'-' || b[i - 1] == b'_');
        let candidate = !prev_is_word
            && matches!(
                b[i],
                b'#' | b'r' | b'R' | b'h' | b'H' | b'w' | b'W' | b'b' | b'B' | b'g' | b'G'
            );
        if let Some((len, rgba)) = candidate.then(|| parse_color(rest)).flatten() {
            match grey_expression(rgba) {
                Some(expr) => out.push_str(&expr),
                None => out.push_str(&rest[..len]),
            }
            i += len;
        } else {
            let ch = rest.chars().next().unwrap_or(' ');
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    Cow::Owned(out)
}

/// Greys of mermaid's `neutral` theme (as % ink) with one visual role, and the optional
/// CSS variable that overrides them.
pub(super) const ROLE_GREYS: &[(f64, &str)] = &[
    (6.7, "--pb-diagram-node"), // #eee: node, actor, class and state box fill
    (40.0, "--pb-diagram-border"), // #999: node borders
    (56.1, "--pb-diagram-border"), // #707070: subgraph (cluster) border
    (60.0, "--pb-diagram-line"), // #666: edges, arrowheads, sequence notes
    (1.1, "--pb-diagram-cluster"), // hsl(0 0% 98.9%): subgraph (cluster) fill
];

pub(super) fn grey_expression([r, g, b, a]: [f64; 4]) -> Option<String> {
    let max = r.max(g).max(b);
    let min = r.min(g).min(b);
    if max - min > 8.0 || !(0.0..=1.0).contains(&a) {
        return None;
    }
    let v = (r + g + b) / 3.0;
    let ink = ((255.0 - v) / 255.0 * 1000.0).round() / 10.0;
    let mix = if ink <= 0.0 {
        "var(--pb-diagram-bg, #fff)".to_string()
    } else if ink >= 100.0 {
        "var(--pb-diagram-fg, #000)".to_string()
    } else {
        format!("color-mix(in srgb, var(--pb-diagram-fg, #000) {ink}%, var(--pb-diagram-bg, #fff))")
    };
    // Greys with one role in the neutral theme may be overridden by an optional variable.
    let role = ROLE_GREYS
        .iter()
        .find(|(role_ink, _)| (ink - role_ink).abs() < 0.05)
        .map(|(_, var)| var);
    let opaque = match role {
        Some(var) => format!("var({var}, {mix})"),
        None => mix,
    };
    let alpha = (a * 1000.0).round() / 10.0;
    Some(if alpha >= 99.9 {
        opaque
    } else {
        format!("color-mix(in srgb, {opaque} {alpha}%, transparent)")
    })
}

/// Parses a CSS colour at the start of `s`: `#hex`, `rgb()/rgba()`, `hsl()/hsla()`, or a
/// few grey keywords. Returns (bytes consumed, [r, g, b, alpha]).
pub(super) fn parse_color(s: &str) -> Option<(usize, [f64; 4])> {
    if let Some(hex) = s.strip_prefix('#') {
        let len = hex.bytes().take_while(u8::is_ascii_hexdigit).count();
        let next = hex.as_bytes().get(len);
        if next.is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'-' || *c == b'_') {
            return None;
        }
        let digits = &hex[..len];
        let nib = |i: usize| {
            u8::from_str_radix(&digits[i..=i], 16)
                .ok()
                .map(|v| f64::from(v * 17))
        };
        let byte = |i: usize| {
            u8::from_str_radix(&digits[i..i + 2], 16)
                .ok()
                .map(f64::from)
        };
        let rgba = match len {
            3 => [nib(0)?, nib(1)?, nib(2)?, 255.0],
            4 => [nib(0)?, nib(1)?, nib(2)?, nib(3)?],
            6 => [byte(0)?, byte(2)?, byte(4)?, 255.0],
            8 => [byte(0)?, byte(2)?, byte(4)?, byte(6)?],
            _ => return None,
        };
        return Some((len + 1, [rgba[0], rgba[1], rgba[2], rgba[3] / 255.0]));
    }
    let head_end = s.char_indices().nth(12).map_or(s.len(), |(i, _)| i);
    let lower = s[..head_end].to_ascii_lowercase();
    for (name, v) in [
        ("white", 255.0),
        ("black", 0.0),
        ("gray", 128.0),
        ("grey", 128.0),
    ] {
        if lower.starts_with(name)
            && !s
                .as_bytes()
                .get(name.len())
                .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'-')
        {
            return Some((name.len(), [v, v, v, 1.0]));
        }
    }
    let func = ["rgba(", "rgb(", "hsla(", "hsl("]
        .into_iter()
        .find(|f| lower.starts_with(f))?;
    let close = s.find(')')?;
    let args: Vec<&str> = s[func.len()..close]
        .split(|c: char| c == ',' || c == '/' || c.is_whitespace())
        .filter(|a| !a.is_empty())
        .collect();
    let num = |a: &str| -> Option<f64> {
        let v: f64 = a
            .trim_end_matches('%')
            .trim_end_matches("deg")
            .parse()
            .ok()?;
        v.is_finite().then_some(v)
    };
    let alpha = match args.get(3) {
        Some(a) if a.ends_with('%') => num(a)? / 100.0,
        Some(a) => num(a)?,
        None => 1.0,
    };
    if args.len() < 3 {
        return None;
    }
    let rgb = if func.starts_with("rgb") {
        let ch = |a: &str| num(a).map(|v| if a.ends_with('%') { v * 2.55 } else { v });
        [ch(args[0])?, ch(args[1])?, ch(args[2])?]
    } else {
        hsl_to_rgb(num(args[0])?, num(args[1])? / 100.0, num(args[2])? / 100.0)
    };
    Some((close + 1, [rgb[0], rgb[1], rgb[2], alpha]))
}

pub(super) fn hsl_to_rgb(h: f64, s: f64, l: f64) -> [f64; 3] {
    let h = h.rem_euclid(360.0) / 360.0;
    let (s, l) = (s.clamp(0.0, 1.0), l.clamp(0.0, 1.0));
    if s == 0.0 {
        return [l * 255.0; 3];
    }
    let q = if l < 0.5 {
        l * (1.0 + s)
    } else {
        l + s - l * s
    };
    let p = 2.0 * l - q;
    let hue = |mut t: f64| {
        t = t.rem_euclid(1.0);
        if t < 1.0 / 6.0 {
            p + (q - p) * 6.0 * t
        } else if t < 0.5 {
            q
        } else if t < 2.0 / 3.0 {
            p + (q - p) * (2.0 / 3.0 - t) * 6.0
        } else {
            p
        }
    };
    [
        hue(h + 1.0 / 3.0) * 255.0,
        hue(h) * 255.0,
        hue(h - 1.0 / 3.0) * 255.0,
    ]
}
