"""Move-in (办理入住, SOP 2): from the developer's handover notice to the keys in the owner's hand and the unit
inspected (验房) and put right."""
