"""The open project: its document and undo history, the live session, files, exports, examples."""
