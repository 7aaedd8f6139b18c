//! Classification of new tickets: `[[classify]]` rules, suspected major incidents, mismatches.
