/* name_max.h - the longest name (identity, peer name, SNI, subjectAltName)
 * the session interface (harness/session.h) and the core's checks of names
 * hold, in one place so that neither has to include the other's side. */
#ifndef KX_NAME_MAX_H
#define KX_NAME_MAX_H

#define KX_NAME_MAX 256

#endif
