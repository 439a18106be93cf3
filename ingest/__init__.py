"""Files → clause tree → facts → chunks."""
