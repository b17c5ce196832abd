"""Abri insights: what works, counted from the events of real journeys, for an association, a fund, a
département and the whole platform: time from registration to proposal, to lease, to slide; proposals and how
they ended (coded reasons); guarantee decisions against the fund's deadline, claims per guarantee; homes
published, let and withdrawn, and the energy classes of those let. The read model holds counts only (no
household, no person, no id of either); small counts are hidden when shown."""
