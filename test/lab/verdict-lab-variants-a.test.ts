// The verdict across variants: DHCP clients, ISP edges, resolvers, SNMP and RouterOS (scenarios.ts).
import { verdictSuite } from "./verdict-lab-suite.js";

verdictSuite("variantsA");
