-- t-negotiate: campaign-milter asks for few steps, no replies where it can
-- and exactly the actions it uses.
conn = mt.connect(sock, 50, 0.1)
if conn == nil then error("cannot connect to " .. sock) end
if mt.negotiate(conn, nil, nil, nil) ~= nil then error("negotiate failed") end
local want_on = {
  NOCONNECT = SMFIP_NOCONNECT, NOHELO = SMFIP_NOHELO, NODATA = SMFIP_NODATA,
  NOEOH = SMFIP_NOEOH, NOBODY = SMFIP_NOBODY, NOUNKNOWN = SMFIP_NOUNKNOWN,
  NR_MAIL = SMFIP_NR_MAIL, NR_RCPT = SMFIP_NR_RCPT, NR_HDR = SMFIP_NR_HDR,
}
for name, bit in pairs(want_on) do
  if not mt.test_option(conn, bit) then error("step flag " .. name .. " not asked for") end
end
if mt.test_option(conn, SMFIP_NOMAIL) or mt.test_option(conn, SMFIP_NORCPT)
   or mt.test_option(conn, SMFIP_NOHDRS) then
  error("MAIL, RCPT and headers must still be sent")
end
if not mt.test_action(conn, SMFIF_CHGFROM) then error("SMFIF_CHGFROM missing") end
if not mt.test_action(conn, SMFIF_ADDHDRS) then error("SMFIF_ADDHDRS missing") end
for name, bit in pairs({CHGHDRS = SMFIF_CHGHDRS, CHGBODY = SMFIF_CHGBODY,
                        ADDRCPT = SMFIF_ADDRCPT, DELRCPT = SMFIF_DELRCPT,
                        QUARANTINE = SMFIF_QUARANTINE}) do
  if mt.test_action(conn, bit) then error("asks for unneeded action " .. name) end
end
mt.disconnect(conn)
