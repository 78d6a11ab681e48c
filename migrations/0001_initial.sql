-- placeholder: the Store issue writes the schema
CREATE TABLE nnreg_placeholder (id INTEGER PRIMARY KEY) STRICT;
