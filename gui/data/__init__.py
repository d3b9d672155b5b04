"""The data panel: picking, importing and previewing a dataset."""
