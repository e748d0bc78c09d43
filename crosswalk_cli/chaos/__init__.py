"""`crosswalk chaos`: the reliability scenario (faults, kills, disordered webhooks), its report."""
