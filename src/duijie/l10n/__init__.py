"""Languages of the people a node serves: gettext catalogs (zh, en) and Babel formatting."""
