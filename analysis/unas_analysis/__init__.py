"""Analysis of unas results files: Pareto fronts, the paper's tables and figures."""
