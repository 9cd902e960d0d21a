"""The training commands of the `bounds` CLI: `bounds verify`, `bounds gap`, `bounds report`."""
