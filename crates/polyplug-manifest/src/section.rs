//! The manifest inside a component: a top-level custom section named
//! [`SECTION_NAME`] holding the `polyplug.toml` text verbatim (so error line
//! numbers match the author's file).

/// The custom section's name.
pub const SECTION_NAME: &str = "polyplug-manifest";

const HEADER: usize = 8;

/// A component whose section framing is broken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a WebAssembly binary: {0}")]
pub struct SectionError(String);

/// One top-level section: id, the range of its payload, and the range of the whole section.
struct Section {
    id: u8,
    payload: std::ops::Range<usize>,
    whole: std::ops::Range<usize>,
}

fn leb_u32(bytes: &[u8], at: &mut usize) -> Result<u32, SectionError> {
    let mut result: u64 = 0;
    for shift in (0..35).step_by(7) {
        let byte = *bytes.get(*at).ok_or_else(|| SectionError("a section ends early".into()))?;
        *at += 1;
        result |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return u32::try_from(result).map_err(|_| SectionError("a length does not fit 32 bits".into()));
        }
    }
    Err(SectionError("a length is longer than 5 bytes".into()))
}

fn sections(bytes: &[u8]) -> Result<Vec<Section>, SectionError> {
    if bytes.len() < HEADER || &bytes[..4] != b"\0asm" {
        return Err(SectionError("it does not start with `\\0asm`".into()));
    }
    let mut at = HEADER;
    let mut out = Vec::new();
    while at < bytes.len() {
        let start = at;
        let id = bytes[at];
        at += 1;
        let size = leb_u32(bytes, &mut at)? as usize;
        let end = at.checked_add(size).filter(|end| *end <= bytes.len()).ok_or_else(|| {
            SectionError(format!("section at byte {start} claims {size} bytes, past the end of the file"))
        })?;
        out.push(Section { id, payload: at..end, whole: start..end });
        at = end;
    }
    Ok(out)
}

/// The name and contents of a custom section's payload.
fn custom(bytes: &[u8], payload: std::ops::Range<usize>) -> Result<(&str, &[u8]), SectionError> {
    let mut at = payload.start;
    let len = leb_u32(bytes, &mut at)? as usize;
    let name_end = at.checked_add(len).filter(|e| *e <= payload.end).ok_or_else(|| SectionError("a custom section name runs past its section".into()))?;
    let name = std::str::from_utf8(&bytes[at..name_end]).map_err(|_| SectionError("a custom section name is not UTF-8".into()))?;
    Ok((name, &bytes[name_end..payload.end]))
}

/// The manifest text embedded in `component`, if any. Only top-level
/// sections count: a manifest inside a nested module is not the component's.
pub fn read_section(component: &[u8]) -> Result<Option<String>, SectionError> {
    let mut found = None;
    for section in sections(component)? {
        if section.id != 0 {
            continue;
        }
        let (name, data) = custom(component, section.payload)?;
        if name == SECTION_NAME {
            if found.is_some() {
                return Err(SectionError(format!("it has two `{SECTION_NAME}` sections")));
            }
            let text = std::str::from_utf8(data).map_err(|_| SectionError(format!("the `{SECTION_NAME}` section is not UTF-8")))?;
            found = Some(text.to_string());
        }
    }
    Ok(found)
}

fn leb_encode(mut n: usize, out: &mut Vec<u8>) {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// `component` with `manifest` as its manifest section, replacing any it had.
/// The section goes last, after everything a signature section covers; a
/// signed component must be signed after embedding.
pub fn embed(component: &[u8], manifest: &str) -> Result<Vec<u8>, SectionError> {
    let mut out = component[..HEADER.min(component.len())].to_vec();
    for section in sections(component)? {
        let is_manifest = section.id == 0 && custom(component, section.payload.clone())?.0 == SECTION_NAME;
        if !is_manifest {
            out.extend_from_slice(&component[section.whole]);
        }
    }
    let mut payload = Vec::with_capacity(manifest.len() + SECTION_NAME.len() + 5);
    leb_encode(SECTION_NAME.len(), &mut payload);
    payload.extend_from_slice(SECTION_NAME.as_bytes());
    payload.extend_from_slice(manifest.as_bytes());
    out.push(0);
    leb_encode(payload.len(), &mut out);
    out.extend_from_slice(&payload);
    Ok(out)
}
