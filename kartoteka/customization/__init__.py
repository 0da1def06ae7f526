"""What administrators shape at run time: entity types, field definitions, relation types,
required-field templates and saved list views."""
