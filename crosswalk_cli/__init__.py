"""crosswalk's command line (`crosswalk ...`)."""
