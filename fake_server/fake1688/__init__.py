"""fake1688: an offline, strict fake of the 1688 TOP gateway for image search."""
