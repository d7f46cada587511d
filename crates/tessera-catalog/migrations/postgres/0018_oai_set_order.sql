-- A set's items in feed order, so a set's harvest pages through one index range.
CREATE INDEX oai_item_sets_seq ON oai_item_sets (set_spec, seq);
