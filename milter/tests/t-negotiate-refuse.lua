-- t-negotiate-refuse: an MTA that cannot change the envelope sender is
-- refused at negotiation (milter_default_action then applies).
conn = mt.connect(sock, 50, 0.1)
if conn == nil then error("cannot connect to " .. sock) end
if mt.negotiate(conn, nil, SMFIF_ADDHDRS, nil) == nil then
  error("negotiation without SMFIF_CHGFROM was accepted")
end
