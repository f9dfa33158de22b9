"""The process owners' workbench: drafts, validation, publishing, trials, diff, zip, migration.

Split by responsibility: ``drafts`` (edit, validate, publish), ``overview`` (the process
list), ``trial`` (Try it), ``diff``, ``bundlezip`` (import/export), ``migration``."""
