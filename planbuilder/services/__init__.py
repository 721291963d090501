"""The logic of Planbuilder as plain functions; views call these, these use the models."""
