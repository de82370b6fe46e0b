//! Search: households by the head's name, a resident's name or the address,
//! typed with or without diacritics, by any part of a word.
//!
//! A key of 3 characters or more is looked up in the FTS5 trigram index
//! (`migrations/device/0011_search_fts.sql`), which finds any substring
//! without reading every name. A trigram index cannot match fewer than 3
//! characters: a shorter key finds the names that begin with it, by a range
//! on the name-key indexes (bounded, and what someone typing "Lê" means).

use crate::{Store, StoreError, rows};
use gocua_core::text::{search_key, vietnamese_cmp, vietnamese_name_cmp};
use gocua_core::views::SearchHit;
use rusqlite::Connection;
use rusqlite::functions::FunctionFlags;
use rusqlite::params;

/// The shortest key the trigram index can match.
const TRIGRAM: usize = 3;

/// Register the SQL functions the schema uses: `gocua_search_key(text)`,
/// the folding of `gocua_core::text::search_key`.
pub(crate) fn register_functions(conn: &Connection) -> Result<(), StoreError> {
    conn.create_scalar_function(
        "gocua_search_key",
        1,
        FunctionFlags::SQLITE_UTF8
            | FunctionFlags::SQLITE_DETERMINISTIC
            | FunctionFlags::SQLITE_INNOCUOUS,
        |ctx| Ok(ctx.get::<Option<String>>(0)?.map(|t| search_key(&t))),
    )?;
    Ok(())
}

// Parameters of both queries: ?1 the key escaped for LIKE, ?2 the key,
// ?3 the limit, ?4 the FTS5 phrase (long keys) or the prefix range's upper
// bound (short keys). Candidates are (hid, rid, k, a): the household found,
// the resident (NULL for the household's own row), the name key, the
// address key ('' for a resident).

/// Every indexed name or address containing the key.
const FTS_HITS: &str = "SELECT d.household_id AS hid, d.resident_id AS rid, d.name AS k,
            d.address AS a
     FROM search_fts f JOIN search_docs d ON d.doc = f.rowid
     WHERE search_fts MATCH ?4";

/// The first names (in key order, so an exact match first) beginning with
/// the key: one letter begins a third of a commune's names, and 500 of each
/// kind are plenty for a page of results (prefixes all rank alike).
const PREFIX_HITS: &str = "SELECT * FROM (
         SELECT h.id AS hid, NULL AS rid, h.head_name_key AS k, '' AS a
         FROM households h WHERE h.head_name_key >= ?2 AND h.head_name_key < ?4
             AND h.voided IS NULL
         ORDER BY h.head_name_key LIMIT 500)
     UNION ALL
     SELECT * FROM (
         SELECT r.household_id, r.id, r.name_key, '' FROM residents r
         WHERE r.merged_into IS NULL AND r.voided IS NULL AND r.name_key >= ?2
             AND r.name_key < ?4
         ORDER BY r.name_key LIMIT 500)";

/// Ranks the candidates `hits` and keeps the best `limit` households.
/// Names before addresses: a whole name, a name's start, a word's start,
/// anywhere in a name; then an address word's start, anywhere in an address.
/// On a tie the household's own row before a resident's (`pick`, twice the
/// rank plus one for a resident: `min()` then keeps that row's `rid`).
const RANKED: &str = "ranked AS (
         SELECT hid, rid,
                CASE WHEN instr(k, ?2) = 0 THEN
                          CASE WHEN a LIKE ?1 || '%' ESCAPE '\\'
                                 OR a LIKE '% ' || ?1 || '%' ESCAPE '\\' THEN 4
                               ELSE 5 END
                     WHEN k = ?2 THEN 0
                     WHEN k LIKE ?1 || '%' ESCAPE '\\' THEN 1
                     WHEN k LIKE '% ' || ?1 || '%' ESCAPE '\\' THEN 2
                     ELSE 3 END AS rank
         FROM hits
     ), grouped AS (
         SELECT hid, min(2 * rank + (rid IS NOT NULL)) AS pick, rid
         FROM ranked GROUP BY hid
     ), best AS (
         -- Only the villages this device holds: it may also keep a household
         -- of another (one it lost, or the home of a resident merged into
         -- one of its own), out of its lists. A device never synced holds
         -- none and searches all.
         -- Nor a withdrawn household (issue 16): its own rows leave the
         -- index, but a resident of it the office kept may still be there.
         SELECT g.hid, g.pick, g.rid FROM grouped g
         WHERE (NOT EXISTS (SELECT 1 FROM pull_villages)
                OR (SELECT village_id FROM households WHERE id = g.hid)
                   IN (SELECT village_id FROM pull_villages))
           AND (SELECT voided FROM households WHERE id = g.hid) IS NULL
         ORDER BY g.pick LIMIT ?3
     )
     SELECT h.id, h.head_name, h.address, v.name, b.pick / 2, r.full_name
     FROM best b JOIN households h ON h.id = b.hid JOIN villages v ON v.id = h.village_id
     LEFT JOIN residents r ON r.id = b.rid";

impl Store {
    /// Find households by the head's or any resident's name or by the
    /// address, typed with or without diacritics, whole or in part. Name
    /// matches come before address matches; whole-name and word-start
    /// matches first; then the head's name in Vietnamese order.
    pub fn search(&self, query: &str, limit: usize) -> Result<Vec<SearchHit>, StoreError> {
        let key = search_key(query);
        if key.is_empty() {
            return Ok(Vec::new());
        }
        let escaped = key
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        let (hits, fourth) = if key.chars().count() >= TRIGRAM {
            // One FTS5 string: the key as a substring, quotes doubled.
            (FTS_HITS, format!("\"{}\"", key.replace('"', "\"\"")))
        } else {
            // Above every key that begins with `key`.
            (PREFIX_HITS, format!("{key}\u{10FFFF}"))
        };
        let sql = format!("WITH hits AS ({hits}), {RANKED}");
        let mut stmt = self.conn().prepare_cached(&sql)?;
        let mut hits: Vec<(i64, SearchHit)> = stmt
            .query_map(params![escaped, key, limit as i64, fourth], |r| {
                Ok((
                    r.get::<_, i64>(4)?,
                    SearchHit {
                        household_id: rows::col(r, 0)?,
                        head_name: r.get(1)?,
                        address: r.get(2)?,
                        village_name: r.get(3)?,
                        matched_resident: r.get(5)?,
                    },
                ))
            })?
            .collect::<Result<_, _>>()?;
        hits.sort_by(|(ra, a), (rb, b)| {
            ra.cmp(rb)
                .then_with(|| vietnamese_name_cmp(&a.head_name, &b.head_name))
                .then_with(|| vietnamese_cmp(&a.address, &b.address))
        });
        Ok(hits.into_iter().map(|(_, h)| h).collect())
    }
}
