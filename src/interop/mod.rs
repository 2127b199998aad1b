//! Formats convene speaks with other tools.

/// Atom feeds (RFC 4287).
pub mod atom;
pub mod charts;
pub mod doc;
/// GeoJSON (RFC 7946) points.
pub mod geojson;
/// iCalendar (RFC 5545) all-day events.
pub mod ical;
/// The JSON exchange format of a whole community.
pub mod json;
pub mod report_doc;
/// Reports in the reader's language across framework versions.
pub mod report_versions;
/// Stories out as CSV and XLSX, one row per story and step.
pub mod stories_csv;
/// KoboToolbox and ODK Central CSV exports of the story form, read back.
pub mod submissions;
/// A wiki page as a MediaWiki `Special:Import` file.
pub mod wiki_xml;
/// The story form as an XLSForm for KoboToolbox and ODK.
pub mod xlsform;
