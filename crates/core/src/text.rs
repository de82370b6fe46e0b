//! Vietnamese text: the same name arrives typed with or without diacritics, in
//! composed (NFC) or decomposed (NFD) form, from phone keyboards that disagree.
//! Names are stored in NFC; searching uses a folded key; lists sort in the
//! Vietnamese alphabet (a ă â b c d đ e ê … o ô ơ … u ư …), tones after letters.

use std::cmp::Ordering;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// NFC, trimmed, inner runs of white space folded to one space.
pub fn normalize_name(input: &str) -> String {
    let nfc: String = input.nfc().collect();
    nfc.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A free-text note as kept: NFC, trimmed; line breaks stay.
pub fn normalize_note(input: &str) -> String {
    let nfc: String = input.nfc().collect();
    nfc.trim().to_string()
}

/// The key names are searched by: lower case, no diacritics, đ → d, single
/// spaces. "Nguyễn Văn A", "nguyen van a" and NFD input all give "nguyen van a".
pub fn search_key(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    let mut pending_space = false;
    for c in input.nfd() {
        if is_combining_mark(c) {
            continue;
        }
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        match c {
            'đ' | 'Đ' => out.push('d'),
            _ => out.extend(c.to_lowercase()),
        }
    }
    out
}

// Combining marks that make a different letter (ă â ê ô ơ ư), not a tone.
const BREVE: char = '\u{0306}';
const CIRCUMFLEX: char = '\u{0302}';
const HORN: char = '\u{031B}';

/// Tone rank in the order Vietnamese dictionaries use:
/// ngang, huyền, hỏi, ngã, sắc, nặng.
fn tone_rank(mark: char) -> Option<u8> {
    match mark {
        '\u{0300}' => Some(1), // huyền
        '\u{0309}' => Some(2), // hỏi
        '\u{0303}' => Some(3), // ngã
        '\u{0301}' => Some(4), // sắc
        '\u{0323}' => Some(5), // nặng
        _ => None,
    }
}

/// One letter as the collation sees it: primary = letter in the Vietnamese
/// alphabet, secondary = tone, tertiary = case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct CollationUnit {
    letter: u32,
    tone: u8,
    upper: bool,
}

fn letter_rank(base: char, modifier: Option<char>) -> u32 {
    // Vietnamese letters get slots between the Latin ones: a < ă < â < b.
    let lower = base.to_lowercase().next().unwrap_or(base);
    let slot = match (lower, modifier) {
        ('a', Some(BREVE)) => 1,
        ('a', Some(CIRCUMFLEX)) => 2,
        ('đ', _) => 1, // sorts right after d
        ('e', Some(CIRCUMFLEX)) => 1,
        ('o', Some(CIRCUMFLEX)) => 1,
        ('o', Some(HORN)) => 2,
        ('u', Some(HORN)) => 1,
        _ => 0,
    };
    let base_for_rank = if lower == 'đ' { 'd' } else { lower };
    (base_for_rank as u32) * 4 + slot
}

fn collation_units(s: &str) -> Vec<CollationUnit> {
    let mut units: Vec<CollationUnit> = Vec::with_capacity(s.len());
    let mut base: Option<(char, Option<char>, u8)> = None;
    let flush = |units: &mut Vec<CollationUnit>, b: Option<(char, Option<char>, u8)>| {
        if let Some((c, m, tone)) = b {
            units.push(CollationUnit {
                letter: letter_rank(c, m),
                tone,
                upper: c.is_uppercase(),
            });
        }
    };
    for c in s.nfd() {
        if is_combining_mark(c) {
            if let Some((_, ref mut m, ref mut tone)) = base {
                if matches!(c, BREVE | CIRCUMFLEX | HORN) {
                    *m = Some(c);
                } else if let Some(t) = tone_rank(c) {
                    *tone = t;
                }
            }
            continue;
        }
        flush(&mut units, base.take());
        base = Some((c, None, 0));
    }
    flush(&mut units, base);
    units
}

/// Compare two strings in Vietnamese dictionary order. Letters decide first,
/// then tones, then case, so "An" < "Ân" < "Anh" and "Ba" < "Bà" < "Bá".
pub fn vietnamese_cmp(a: &str, b: &str) -> Ordering {
    let ua = collation_units(a);
    let ub = collation_units(b);
    let primary = ua.iter().map(|u| u.letter).cmp(ub.iter().map(|u| u.letter));
    primary
        .then_with(|| ua.iter().map(|u| u.tone).cmp(ub.iter().map(|u| u.tone)))
        .then_with(|| ua.iter().map(|u| !u.upper).cmp(ub.iter().map(|u| !u.upper)))
}

/// Compare Vietnamese personal names the way lists of people are read:
/// by given name (last word) first, then the rest from the family name on.
pub fn vietnamese_name_cmp(a: &str, b: &str) -> Ordering {
    let split = |s: &str| {
        let s = s.trim();
        match s.rsplit_once(' ') {
            Some((rest, given)) => (given.to_string(), rest.to_string()),
            None => (s.to_string(), String::new()),
        }
    };
    let (ga, ra) = split(a);
    let (gb, rb) = split(b);
    vietnamese_cmp(&ga, &gb).then_with(|| vietnamese_cmp(&ra, &rb))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn names_fold_to_one_search_key() {
        let nfd: String = "Nguyễn Văn A".nfd().collect();
        for s in [
            "Nguyễn Văn A",
            "nguyen van a",
            "Nguyen Van A",
            "  NGUYỄN   văn a ",
            nfd.as_str(),
        ] {
            assert_eq!(search_key(s), "nguyen van a", "{s:?}");
        }
        assert_eq!(search_key("Đặng Thị Đào"), "dang thi dao");
        assert_eq!(search_key("đỗ đức"), "do duc");
    }

    #[test]
    fn normalize_gives_nfc_and_single_spaces() {
        let nfd: String = "Trần  Thị\tHằng".nfd().collect();
        let n = normalize_name(&nfd);
        assert_eq!(n, "Trần Thị Hằng");
        assert!(unicode_normalization::is_nfc(&n));
    }

    #[test]
    fn vietnamese_alphabet_order() {
        let mut words = vec![
            "đào", "dũng", "ân", "anh", "ăn", "an", "ơn", "ông", "ong", "ưu", "uy", "bà", "ba",
            "bá", "bả", "bã", "bạ",
        ];
        words.sort_by(|a, b| vietnamese_cmp(a, b));
        assert_eq!(
            words,
            vec![
                "an", "anh", "ăn", "ân", "ba", "bà", "bả", "bã", "bá", "bạ", "dũng", "đào", "ong",
                "ông", "ơn", "uy", "ưu"
            ]
        );
    }

    #[test]
    fn people_sort_by_given_name() {
        let mut names = vec!["Nguyễn Văn Bình", "Trần Thị An", "Lê Đức Anh", "Đỗ Thị Ánh"];
        names.sort_by(|a, b| vietnamese_name_cmp(a, b));
        assert_eq!(
            names,
            vec!["Trần Thị An", "Lê Đức Anh", "Đỗ Thị Ánh", "Nguyễn Văn Bình"]
        );
    }

    proptest! {
        #[test]
        fn search_key_ignores_form_and_case(s in "[a-zA-ZàáảãạăắằẳẵặâấầẩẫậđèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợùúủũụưứừửữựỳýỷỹỵĐ ]{0,30}") {
            let nfd: String = s.nfd().collect();
            prop_assert_eq!(search_key(&s), search_key(&nfd));
            prop_assert_eq!(search_key(&s), search_key(&s.to_uppercase()));
            prop_assert!(search_key(&s).is_ascii());
        }

        #[test]
        fn collation_is_a_total_order_consistent_with_nfd(a in "[a-zA-Zàăâđêôơư ]{0,8}", b in "[a-zA-Zàăâđêôơư ]{0,8}") {
            let nfd: String = a.nfd().collect();
            prop_assert_eq!(vietnamese_cmp(&a, &nfd), Ordering::Equal);
            prop_assert_eq!(vietnamese_cmp(&a, &b), vietnamese_cmp(&b, &a).reverse());
        }
    }
}
