"""Performance and quality: provider returns, SPC, reviews, remedial plans, decommissioning,
evaluation of the partnership and the integrated performance report."""
