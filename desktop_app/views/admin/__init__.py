"""The setup screens: customers, technicians, SLA policies, business calendars and
holidays, the first start of an empty desk, and who is signed in."""
