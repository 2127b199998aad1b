//! Real-browser journeys (headless Chromium); written in a later step.
