"""Leads: qualification (BANT), explainable scoring, routing to one rep, and the service the app wires."""
