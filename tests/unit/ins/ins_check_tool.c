/* Standalone front for ins_check_main, until the application wires `couloir ins check`:
 *   couloir-ins-check MATRICULE [OID] */
#include "ins/ins.h"

int main(int argc, char **argv)
{
    return ins_check_main(argc, argv);
}
